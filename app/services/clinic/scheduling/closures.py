"""Closures: holidays and time off, for the whole clinic or one provider. A whole day is
the local day in the organization's zone (23 or 25 hours on a clock-change day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.services.clinic.access import Access, audit
from app.services.clinic.scheduling.inputs import ClosureInput
from app.services.clinic.scheduling.loading import organization, provider_of
from app.services.clinic.scheduling.localtime import day_span
from app.services.clinic.scheduling.results import Closure
from app.services.errors import NotFound, ValidationFailed
from storage.vault import Vault


class ClosureService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def add(self, access: Access, body: ClosureInput) -> Closure:
        if (body.day is None) == (body.start is None or body.end is None):
            raise ValidationFailed("a closure is a whole day or a span", [
                {"field": "date", "message": "give date, or start and end (not both)"}])
        with self._vault.write() as conn:
            org = organization(conn, self._vault, access.organization_id)
            provider_id = body.provider_id and provider_of(conn, self._vault,
                                                           org.organization_id,
                                                           body.provider_id)
            if body.provider_id and provider_id is None:
                raise ValidationFailed("no such provider",
                                       [{"field": "providerId", "message": "not found"}])
            if body.day is not None:
                whole = day_span(body.day, org.tz)
                start, end = whole.start, whole.end
            else:
                assert body.start is not None and body.end is not None
                start, end = body.start.astimezone(UTC), body.end.astimezone(UTC)
                if end <= start:
                    raise ValidationFailed("a closure ends after it starts",
                                           [{"field": "end", "message": "not after start"}])
            row = self._vault.scheduling.closures.add(
                conn, organization_id=org.organization_id, provider_id=provider_id,
                day=body.day, starts_at=start, ends_at=end, reason=body.reason,
                created_by=access.user_id)
            audit(conn, self._vault, access, "closure.create", resource_type="closure",
                  resource_id=row["id"])
        return Closure.of(row)

    def list(self, access: Access, *, start: date | None = None, end: date | None = None,
             provider_id: str | None = None) -> list[Closure]:
        with self._vault.clinic.read() as conn:
            org = organization(conn, self._vault, access.organization_id)
            first = day_span(start, org.tz).start if start else datetime.min.replace(tzinfo=UTC)
            last = day_span(end, org.tz).end if end else datetime.max.replace(tzinfo=UTC)
            if provider_id is not None:  # an unknown one matches nothing
                provider_id = provider_of(conn, self._vault, org.organization_id,
                                          provider_id) or provider_id
            rows = self._vault.scheduling.closures.covering(
                conn, organization_id=org.organization_id, start=first, end=last,
                provider_id=provider_id)
        return [Closure.of(r) for r in rows]

    def remove(self, access: Access, closure_id: str) -> None:
        with self._vault.write() as conn:
            store = self._vault.scheduling.closures
            if store.get(conn, organization_id=access.organization_id,
                         closure_id=closure_id) is None:
                raise NotFound(f"no closure {closure_id}")
            store.delete(conn, organization_id=access.organization_id, closure_id=closure_id)
            audit(conn, self._vault, access, "closure.delete", resource_type="closure",
                  resource_id=closure_id)
