"""/api/v1/organizations/{id}/chat and /faq: the front desk's assistant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.responses import JSONResponse

from app.api.deps import Ctx
from app.api.envelopes import ok
from app.api.permits import permit
from app.api.schemas.common import CLINIC_ERRORS, ClinicEnvelope
from app.services.assist.results import FaqReply
from app.services.clinic.access import Access
from app.services.clinic.models import Input

router = APIRouter(prefix="/api/v1/organizations/{organizationId}", tags=["clinic assistant"],
                   responses=CLINIC_ERRORS)


class FaqQuestion(Input):
    question: Annotated[str, Field(min_length=1, max_length=1000)]
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None


@router.post("/faq", response_model=ClinicEnvelope[FaqReply])
def faq(body: FaqQuestion, request: Request, ctx: Ctx,
        access: Annotated[Access, permit("use_assistant")]) -> JSONResponse:
    """The best of the organization's FAQ entries, cited, or "I don't know" and the phone."""
    return ok(request, ctx.assist.faq.answer(access, question=body.question,
                                             category=body.category).wire())
