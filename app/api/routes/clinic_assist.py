"""/api/v1/organizations/{id}/chat and /faq: the front desk's assistant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok
from app.api.permits import permit
from app.api.schemas.common import CLINIC_ERRORS, ClinicEnvelope
from app.services.assist.inputs import ChatMessage, FaqQuestion
from app.services.assist.results import ChatReply, FaqReply
from app.services.clinic.access import Access

router = api_router(prefix="/api/v1/organizations/{organizationId}", tags=["clinic assistant"],
                   responses=CLINIC_ERRORS)


@router.post("/chat", response_model=ClinicEnvelope[ChatReply])
def chat(body: ChatMessage, request: Request, ctx: Ctx,
         access: Annotated[Access, permit("use_assistant")]) -> JSONResponse:
    """One turn with the scheduling assistant; send back `conversationId` to go on.
    It books, moves or cancels only after the person confirms. `context.urgency` is the
    booking's priority; urgent or emergency requests need no day (the soonest open time)."""
    return ok(request, ctx.assist.chat.reply(access, message=body.message,
                                             context=body.context,
                                             conversation_id=body.conversation_id).wire())


@router.post("/faq", response_model=ClinicEnvelope[FaqReply])
def faq(body: FaqQuestion, request: Request, ctx: Ctx,
        access: Annotated[Access, permit("use_assistant")]) -> JSONResponse:
    """The best of the organization's FAQ entries, cited, or "I don't know" and the phone."""
    return ok(request, ctx.assist.faq.answer(access, question=body.question,
                                             category=body.category).wire())
