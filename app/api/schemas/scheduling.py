"""Response shapes of the scheduling routes, in the clinic document's envelope."""

from __future__ import annotations

from app.api.schemas.common import ClinicEnvelope
from app.services.clinic.models import Result
from app.services.clinic.scheduling import results as r


class AppointmentData(Result):
    appointment: r.Appointment


class HoldData(Result):
    hold: r.Hold


class ClosureData(Result):
    closure: r.Closure


class ClosureList(Result):
    closures: list[r.Closure]


AvailabilityOut = ClinicEnvelope[r.DayAvailability]
AppointmentOut = ClinicEnvelope[AppointmentData]
AppointmentPageOut = ClinicEnvelope[r.AppointmentPage]
HoldOut = ClinicEnvelope[HoldData]
ClosureOut = ClinicEnvelope[ClosureData]
ClosureListOut = ClinicEnvelope[ClosureList]
