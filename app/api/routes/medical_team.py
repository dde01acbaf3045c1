"""GET /v1/medical-team/specialists."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, CurrentUser, api_router
from app.api.envelopes import ok
from app.api.schemas.common import INSIGHT_ERRORS, Envelope
from app.api.schemas.medical_team import SpecialistList

router = api_router(prefix="/v1/medical-team", tags=["medical team"], responses=INSIGHT_ERRORS)


@router.get("/specialists", response_model=Envelope[SpecialistList])
async def specialists(request: Request, ctx: Ctx, _user: CurrentUser) -> JSONResponse:
    """The specialists the Chief Medical Officer can call in, and what each covers."""
    # async: the roster is in memory, so no worker thread is needed
    return ok(request, ctx.queries.specialists().wire())
