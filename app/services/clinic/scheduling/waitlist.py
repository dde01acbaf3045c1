"""The waitlist: patients waiting for a slot (one provider or any, a type, a window).
A freed slot marks the entries it suits (see `SchedulingService`); `?matches=1` lists
those first, newest match first."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import sqlalchemy as sa

from app.services.clinic.access import Access, AccessService, audit
from app.services.clinic.results import Pagination
from app.services.clinic.scheduling.inputs import WaitlistInput
from app.services.clinic.scheduling.loading import provider_of
from app.services.clinic.scheduling.results import WaitlistEntry, WaitlistPage
from app.services.errors import NotFound, ValidationFailed
from storage.repos.scheduling.group import GroupWriter
from storage.vault import Vault


class WaitlistService:
    """Its writes and the audit rows of its reads join scheduling's group commit
    (storage/repos/scheduling/group.py); each refuses before its first write."""

    def __init__(self, vault: Vault, access: AccessService, writes: GroupWriter) -> None:
        self._vault = vault
        self._access = access
        self._writes = writes

    def add(self, access: Access, body: WaitlistInput) -> WaitlistEntry:
        self._access.require_patient(access, body.patient_id, booking=True)
        if body.window_end <= body.window_start:
            raise ValidationFailed("the window ends after it starts",
                                   [{"field": "windowEnd", "message": "not after windowStart"}])
        oid = access.organization_id

        def write(conn: sa.Connection) -> dict[str, Any]:
            if self._vault.clinic.patients.get(conn, organization_id=oid,
                                               patient_id=body.patient_id) is None:
                raise ValidationFailed("no such patient",
                                       [{"field": "patientId", "message": "not found"}])
            provider_id = body.provider_id and provider_of(conn, self._vault, oid,
                                                           body.provider_id)
            if body.provider_id and provider_id is None:
                raise ValidationFailed("no such provider",
                                       [{"field": "providerId", "message": "not found"}])
            row = self._vault.scheduling.waitlist.add(
                conn, organization_id=oid, patient_id=body.patient_id,
                provider_id=provider_id, appointment_type=body.appointment_type,
                window_start=body.window_start.astimezone(UTC),
                window_end=body.window_end.astimezone(UTC), notes=body.notes,
                created_by=access.user_id)
            audit(conn, self._vault, access, "waitlist.create", resource_type="waitlist",
                  resource_id=row["id"], details={"patientId": body.patient_id})
            return row

        return WaitlistEntry.of(self._writes.run(write))

    def list(self, access: Access, *, matches: bool = False, provider_id: str | None = None,
             page: int = 1, limit: int = 20) -> WaitlistPage:
        """Read on a connection of its own; the audit row joins the next group commit
        (the answer waits for it)."""
        patient_ids = None if access.patient_ids is None else sorted(access.patient_ids)
        with self._vault.clinic.read() as conn:
            if provider_id is not None:  # an unknown one matches nothing
                provider_id = provider_of(conn, self._vault, access.organization_id,
                                          provider_id) or provider_id
            rows, total = self._vault.scheduling.waitlist.list(
                conn, organization_id=access.organization_id, patient_ids=patient_ids,
                provider_id=provider_id, matches_first=matches, page=page, limit=limit)
        self._writes.run(lambda conn: audit(conn, self._vault, access, "waitlist.list",
                                            resource_type="waitlist",
                                            details={"count": len(rows)}))
        return WaitlistPage(entries=[WaitlistEntry.of(r) for r in rows],
                            pagination=Pagination.of(page=page, limit=limit, total=total))

    def remove(self, access: Access, entry_id: str) -> None:
        store = self._vault.scheduling.waitlist
        oid = access.organization_id

        def write(conn: sa.Connection) -> None:
            row = store.get(conn, organization_id=oid, entry_id=entry_id)
            if row is None or row["status"] != "waiting" or not access.books_for(
                    row["patient_id"]):
                raise NotFound(f"no waitlist entry {entry_id}")
            store.remove(conn, organization_id=oid, entry_id=entry_id)
            audit(conn, self._vault, access, "waitlist.delete", resource_type="waitlist",
                  resource_id=entry_id)

        self._writes.run(write)
