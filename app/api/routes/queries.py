"""POST /v1/queries (runs in the background) and GET /v1/queries/{query_id}."""

from __future__ import annotations

from fastapi import Path, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, CurrentUser, api_router, budget_rate
from app.api.envelopes import ok
from app.api.errors import ApiError
from app.api.schemas.common import INSIGHT_ERRORS, Envelope
from app.api.schemas.queries import QueryRequest, QueryResult, QuerySubmitted

router = api_router(prefix="/v1/queries", tags=["queries"], responses=INSIGHT_ERRORS)

MAX_QUERY_CHARS = 2000
IdPath = Path(min_length=1, max_length=100)


def websocket_channel(request: Request, query_id: str) -> str:
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return f"{scheme}://{request.url.netloc}/ws/queries/{query_id}"


@router.post("", status_code=202, response_model=Envelope[QuerySubmitted])
def submit(body: QueryRequest, request: Request, ctx: Ctx, user: CurrentUser) -> JSONResponse:
    """Ask the medical team; follow progress on the returned WebSocket channel."""
    if len(body.query) > MAX_QUERY_CHARS:
        raise ApiError(400, "QUERY_COMPLEXITY_EXCEEDED",
                       f"the question is too long to analyse (at most {MAX_QUERY_CHARS} "
                       "characters); split it into smaller questions",
                       {"length": len(body.query), "max_length": MAX_QUERY_CHARS})
    patient_id = body.context.patient_id if body.context else None
    try:
        submitted = ctx.queries.submit(body.query, owner_id=user.owner_key,
                                       conversation_id=body.conversation_id,
                                       patient_id=patient_id, actor_id=user.user_id)
    finally:
        budget_rate(request, ctx.queries.budget.state(user.owner_key))
    return ok(request, QuerySubmitted(
        **submitted.model_dump(), websocket_channel=websocket_channel(
            request, submitted.query_id)).wire(), status_code=202)


@router.get("/{query_id}", response_model=Envelope[QueryResult])
def get_query(request: Request, ctx: Ctx, user: CurrentUser,
              query_id: str = IdPath) -> JSONResponse:
    """The query's status, and its full result once completed."""
    query = ctx.queries.get(query_id, owner_id=user.owner_key)
    if query is None:
        raise ApiError(404, "NOT_FOUND", f"no query {query_id}")
    return ok(request, query.wire())
