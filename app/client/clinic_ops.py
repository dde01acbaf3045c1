"""The clinic API's operations (/api/v1), sans-IO like ops.py.

Bodies are validated with the clinic services' own input models and sent in the
document's camelCase; answers are read into their own result models (snake_case
attributes aliased to the camelCase names): the services' results and the API's
response shapes (app/api/schemas), one definition shared with the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from app.api.schemas import scheduling as s
from app.client.ops import Op, Request, _params
from app.services.assist.inputs import ChatMessage, FaqQuestion, ReportRequest
from app.services.assist.results import ChatReply, FaqReply, ReportCreated
from app.services.clinic import provider_results as pr
from app.services.clinic import results as r
from app.services.clinic.inputs import (
    OrganizationCreate,
    PatientCreate,
    PatientUpdate,
    ProviderCreate,
    ProviderUpdate,
)
from app.services.clinic.scheduling.inputs import AppointmentUpdate, Booking, SlotRequest

M = TypeVar("M", bound=BaseModel)
API = "/api/v1"


def body(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` (snake_case or camelCase) checked by `model`, in the document's spelling."""
    return model.model_validate(fields).model_dump(by_alias=True, exclude_none=True,
                                                   mode="json")


def call(result: type[M], method: str, path: str, *, json: Any = None,
         params: dict[str, Any] | None = None, org: str | None = None) -> Op[M]:
    headers = {"X-Organization-Context": org} if org else {}
    data = yield Request(method, API + path, json=json, params=params, headers=headers)
    return result.model_validate(data)


@dataclass(frozen=True)
class PeopleKind:
    """One kind of person under an organization: its path, inputs and results."""

    tail: str
    create_input: type[BaseModel]
    update_input: type[BaseModel]
    created: type[BaseModel]
    item: type[BaseModel]
    page: type[BaseModel]


PATIENTS = PeopleKind("/patients", PatientCreate, PatientUpdate, r.PatientRegistered,
                      r.Patient, r.PatientPage)
PROVIDERS = PeopleKind("/providers", ProviderCreate, ProviderUpdate, pr.ProviderRegistered,
                       pr.Provider, pr.ProviderPage)


def change_password(current: str, new: str) -> Op[r.PasswordChanged]:
    return call(r.PasswordChanged, "POST", "/auth/change-password",
                json={"currentPassword": current, "newPassword": new})


def create_organization(fields: dict[str, Any]) -> Op[r.OrganizationCreated]:
    return call(r.OrganizationCreated, "POST", "/organizations",
                json=body(OrganizationCreate, fields))


class ClinicPaths:
    """Paths under one organization."""

    def __init__(self, organization_id: str) -> None:
        self.org = organization_id
        self.base = f"/organizations/{organization_id}"

    def get(self, result: type[M], tail: str, **params: Any) -> Op[M]:
        return call(result, "GET", self.base + tail, params=_params(**params) or None,
                    org=self.org)

    def send(self, result: type[M], method: str, tail: str, json: Any = None) -> Op[M]:
        return call(result, method, self.base + tail, json=json, org=self.org)

    # organization
    def organization(self) -> Op[r.Organization]:
        return self.get(r.Organization, "")

    def update_settings(self, fields: dict[str, Any]) -> Op[r.Organization]:
        from app.services.clinic.settings import SettingsUpdate

        return self.send(r.Organization, "PUT", "/settings", body(SettingsUpdate, fields))

    # appointments
    def book(self, fields: dict[str, Any]) -> Op[s.AppointmentData]:
        return self.send(s.AppointmentData, "POST", "/appointments", body(Booking, fields))

    def hold(self, fields: dict[str, Any]) -> Op[s.HoldData]:
        return self.send(s.HoldData, "POST", "/appointments/holds", body(SlotRequest, fields))

    def update_appointment(self, appointment_id: str,
                           fields: dict[str, Any]) -> Op[s.AppointmentData]:
        return self.send(s.AppointmentData, "PUT", f"/appointments/{appointment_id}",
                         body(AppointmentUpdate, fields))

    def cancel_appointment(self, appointment_id: str, reason: str | None,
                           cancelled_by: str | None) -> Op[s.AppointmentData]:
        return call(s.AppointmentData, "DELETE", f"{self.base}/appointments/{appointment_id}",
                    params=_params(reason=reason, cancelledBy=cancelled_by) or None,
                    org=self.org)

    # the assistant
    def chat(self, message: str, context: dict[str, Any] | None,
             conversation_id: str | None) -> Op[ChatReply]:
        return self.send(ChatReply, "POST", "/chat", body(ChatMessage, {
            "message": message, "context": context, "conversation_id": conversation_id}))

    def faq(self, question: str, category: str | None) -> Op[FaqReply]:
        return self.send(FaqReply, "POST", "/faq",
                         body(FaqQuestion, {"question": question, "category": category}))

    def report(self, fields: dict[str, Any]) -> Op[ReportCreated]:
        return self.send(ReportCreated, "POST", "/reports", body(ReportRequest, fields))

    def download(self, url: str) -> Op[bytes]:
        path = url.split(API, 1)[1] if API in url else url
        data = yield Request("GET", API + path, raw=True, headers={"X-Organization-Context":
                                                                   self.org})
        return bytes(data)
