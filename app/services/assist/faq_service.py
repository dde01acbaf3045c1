"""POST /organizations/{id}/faq: answers from the organization's own FAQ entries.

The index is built once per organization and rebuilt when its entries change (the
entries' content is the cache key). Entries saved without an id are cited by their
position (`faq-1`, `faq-2`, ...), which stays stable until the list is edited.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING

from app.services.assist.faq import FaqEntry, FaqIndex
from app.services.assist.results import FaqReply, FaqSource
from app.services.clinic.settings import faq_of

if TYPE_CHECKING:
    from app.services.clinic import ClinicServices
    from app.services.clinic.access import Access


class FaqService:
    def __init__(self, clinic: ClinicServices) -> None:
        self._clinic = clinic
        self._indexes: dict[str, tuple[str, FaqIndex]] = {}
        self._lock = threading.Lock()

    def answer(self, access: Access, *, question: str, category: str | None) -> FaqReply:
        org = self._clinic.organizations.get(access)
        entries = [FaqEntry(e.id or f"faq-{n}", e.question, e.answer, e.category)
                   for n, e in enumerate(faq_of(org.settings), start=1)]
        phone = (org.contact_info or {}).get("phone")
        found = self._index(org.id, entries).search(question, category=category,
                                                   phone=str(phone) if phone else None)
        entry = found.entry
        return FaqReply(question=question, answer=found.answer, answered=found.answered,
                        confidence=found.confidence,
                        category=entry.category if entry else category,
                        source=FaqSource(id=entry.id, question=entry.question) if entry
                        else None)

    def _index(self, organization_id: str, entries: list[FaqEntry]) -> FaqIndex:
        key = hashlib.sha256(json.dumps([e.__dict__ for e in entries]).encode()).hexdigest()
        with self._lock:
            cached = self._indexes.get(organization_id)
            if cached is None or cached[0] != key:
                cached = self._indexes[organization_id] = (key, FaqIndex(entries))
            return cached[1]
