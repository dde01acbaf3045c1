"""/api/v1/organizations/{id}: availability, appointments, holds and closures. Each
route declares its permission; the scheduling services do the work (and the audit)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok
from app.api.permits import permit
from app.api.schemas import scheduling as s
from app.api.schemas.common import CLINIC_ERRORS
from app.services.clinic.access import Access
from app.services.clinic.scheduling.inputs import (
    AppointmentUpdate,
    Booking,
    ClosureInput,
    SlotRequest,
    WaitlistInput,
)

router = api_router(prefix="/api/v1/organizations/{organizationId}",
                   tags=["clinic appointments"], responses=CLINIC_ERRORS)
Viewer = Annotated[Access, permit("view_appointments")]
Booker = Annotated[Access, permit("manage_appointments")]
Manager = Annotated[Access, permit("manage_providers")]
Page = Annotated[int, Query(ge=1, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=100)]
IdQuery = Annotated[str | None, Query(min_length=1, max_length=100)]
Status = Literal["scheduled", "confirmed", "checked_in", "completed", "cancelled", "no_show"]


@router.get("/providers/{providerId}/availability", response_model=s.AvailabilityOut)
def availability(providerId: str, request: Request, ctx: Ctx, access: Viewer,  # noqa: N803
                 date: date, duration: Annotated[int | None, Query(ge=5, le=480)] = None,
                 appointmentType: Annotated[str | None, Query(max_length=100)] = None,  # noqa: N803
                 ) -> JSONResponse:
    """Free starts of one local day (local HH:MM plus the UTC instant) and booked ones."""
    found = ctx.clinic.scheduling.find_slots(access, provider_id=providerId, day=date,
                                             duration=duration,
                                             appointment_type=appointmentType)
    return ok(request, found.wire())


@router.post("/appointments", status_code=201, response_model=s.AppointmentOut)
def book(body: Booking, request: Request, ctx: Ctx, access: Booker) -> JSONResponse:
    booked = ctx.clinic.scheduling.book(access, body)
    return ok(request, {"appointment": booked.wire()}, status_code=201)


@router.post("/appointments/holds", status_code=201, response_model=s.HoldOut)
def hold(body: SlotRequest, request: Request, ctx: Ctx, access: Booker) -> JSONResponse:
    held = ctx.clinic.scheduling.hold(access, body)
    return ok(request, {"hold": held.wire()}, status_code=201)


@router.get("/appointments", response_model=s.AppointmentPageOut)
def list_appointments(request: Request, ctx: Ctx, access: Viewer, patientId: IdQuery = None,  # noqa: N803
                      providerId: IdQuery = None, date: date | None = None,  # noqa: N803
                      status: Status | None = None, page: Page = 1,
                      limit: Limit = 20) -> JSONResponse:
    found = ctx.clinic.scheduling.list(access, patient_id=patientId, provider_id=providerId,
                                       day=date, status=status, page=page, limit=limit)
    return ok(request, found.wire())


@router.get("/appointments/{appointmentId}", response_model=s.AppointmentOut)
def get_appointment(appointmentId: str, request: Request, ctx: Ctx,  # noqa: N803
                    access: Viewer) -> JSONResponse:
    return ok(request, {"appointment": ctx.clinic.scheduling.get(access, appointmentId).wire()})


@router.put("/appointments/{appointmentId}", response_model=s.AppointmentOut)
def update_appointment(appointmentId: str, body: AppointmentUpdate, request: Request,  # noqa: N803
                       ctx: Ctx, access: Booker) -> JSONResponse:
    """Reschedule, change status (allowed transitions only) or change details."""
    changed = ctx.clinic.scheduling.update(access, appointmentId, body)
    return ok(request, {"appointment": changed.wire()})


@router.delete("/appointments/{appointmentId}", response_model=s.AppointmentOut)
def cancel_appointment(appointmentId: str, request: Request, ctx: Ctx,  # noqa: N803
                       access: Booker,
                       reason: Annotated[str | None, Query(max_length=500)] = None,
                       cancelledBy: Literal["patient", "clinic"] | None = None,  # noqa: N803
                       ) -> JSONResponse:
    """Cancel; the record stays with cancelledBy, reason and late."""
    cancelled = ctx.clinic.scheduling.cancel(access, appointmentId, cancelled_by=cancelledBy,
                                             reason=reason)
    return ok(request, {"appointment": cancelled.wire()})


@router.post("/closures", status_code=201, response_model=s.ClosureOut)
def add_closure(body: ClosureInput, request: Request, ctx: Ctx,
                access: Manager) -> JSONResponse:
    """A whole local day (`date`) or a span (`start`, `end`), clinic-wide or one provider."""
    return ok(request, {"closure": ctx.clinic.closures.add(access, body).wire()},
              status_code=201)


@router.get("/closures", response_model=s.ClosureListOut)
def list_closures(request: Request, ctx: Ctx, access: Viewer, startDate: date | None = None,  # noqa: N803
                  endDate: date | None = None, providerId: IdQuery = None,  # noqa: N803
                  ) -> JSONResponse:
    found = ctx.clinic.closures.list(access, start=startDate, end=endDate,
                                     provider_id=providerId)
    return ok(request, {"closures": [c.wire() for c in found]})


@router.delete("/closures/{closureId}", status_code=204)
def remove_closure(closureId: str, ctx: Ctx, access: Manager) -> None:  # noqa: N803
    ctx.clinic.closures.remove(access, closureId)


@router.post("/waitlist", status_code=201, response_model=s.WaitlistOut)
def add_to_waitlist(body: WaitlistInput, request: Request, ctx: Ctx,
                    access: Booker) -> JSONResponse:
    return ok(request, {"entry": ctx.clinic.waitlist.add(access, body).wire()},
              status_code=201)


@router.get("/waitlist", response_model=s.WaitlistPageOut)
def list_waitlist(request: Request, ctx: Ctx, access: Viewer,
                  matches: Annotated[int, Query(ge=0, le=1)] = 0, providerId: IdQuery = None,  # noqa: N803
                  page: Page = 1, limit: Limit = 20) -> JSONResponse:
    """Waiting entries; with matches=1 those a freed slot suits come first."""
    found = ctx.clinic.waitlist.list(access, matches=bool(matches), provider_id=providerId,
                                     page=page, limit=limit)
    return ok(request, found.wire())


@router.delete("/waitlist/{entryId}", status_code=204)
def remove_from_waitlist(entryId: str, ctx: Ctx, access: Booker) -> None:  # noqa: N803
    ctx.clinic.waitlist.remove(access, entryId)


@router.get("/reminders", response_model=s.ReminderPageOut)
def list_reminders(request: Request, ctx: Ctx, access: Viewer,
                   due: Annotated[int, Query(ge=0, le=1)] = 0, page: Page = 1,
                   limit: Limit = 20) -> JSONResponse:
    """Stored reminders; with due=1 only pending ones whose time has come."""
    return ok(request, ctx.clinic.reminders.list(access, due=bool(due), page=page,
                                                 limit=limit).wire())


@router.post("/reminders/send", response_model=s.ReminderListOut)
def send_reminders(request: Request, ctx: Ctx, access: Booker) -> JSONResponse:
    """Send the due ones: SMTP when configured, else the organization's outbox folder."""
    sent = ctx.clinic.reminders.send_due(access)
    return ok(request, {"reminders": [r.wire() for r in sent]})
