"""GET/POST /v1/conversations and GET /v1/conversations/{conversation_id}."""

from __future__ import annotations

from typing import Literal

from fastapi import Path, Query, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, CurrentUser, api_router, budget_rate
from app.api.envelopes import ok
from app.api.errors import ApiError
from app.api.schemas.common import INSIGHT_ERRORS, Envelope
from app.api.schemas.conversations import (
    ConversationCreate,
    ConversationCreated,
    ConversationDetail,
    ConversationPage,
)

router = api_router(prefix="/v1/conversations", tags=["conversations"],
                   responses=INSIGHT_ERRORS)


@router.get("", response_model=Envelope[ConversationPage])
def list_conversations(
    request: Request, ctx: Ctx, user: CurrentUser,
    page: int = Query(1, ge=1, le=100_000),
    limit: int = Query(20, ge=1, le=100),
    sort_by: Literal["date", "title"] = "date",
    order: Literal["asc", "desc"] = "desc",
) -> JSONResponse:
    """The user's conversations, one page at a time."""
    return ok(request, ctx.queries.list_conversations(
        owner_id=user.owner_key, page=page, limit=limit, sort_by=sort_by, order=order).wire())


@router.post("", status_code=201, response_model=Envelope[ConversationCreated])
def create_conversation(body: ConversationCreate, request: Request, ctx: Ctx,
                        user: CurrentUser) -> JSONResponse:
    """A new conversation; with `first_query` that question is submitted in it at once
    (and counts against the query budget)."""
    try:
        created = ctx.queries.create_conversation(
            owner_id=user.owner_key, title=body.title, first_query=body.first_query)
    finally:
        if body.first_query is not None:
            budget_rate(request, ctx.queries.budget.state(user.owner_key))
    return ok(request, created.wire(), status_code=201)


@router.get("/{conversation_id}", response_model=Envelope[ConversationDetail])
def get_conversation(request: Request, ctx: Ctx, user: CurrentUser,
                     conversation_id: str = Path(min_length=1, max_length=100)
                     ) -> JSONResponse:
    """The conversation with all its queries and answers."""
    conversation = ctx.queries.get_conversation(conversation_id, owner_id=user.owner_key)
    if conversation is None:
        raise ApiError(404, "NOT_FOUND", f"no conversation {conversation_id}")
    return ok(request, conversation.wire())
