"""GET /v1/visualizations/{visualization_id}."""

from __future__ import annotations

from fastapi import Path, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, CurrentUser, api_router
from app.api.envelopes import ok
from app.api.errors import ApiError
from app.api.schemas.common import INSIGHT_ERRORS, Envelope
from app.api.schemas.visualizations import Visualization

router = api_router(prefix="/v1/visualizations", tags=["visualizations"],
                   responses=INSIGHT_ERRORS)


@router.get("/{visualization_id}", response_model=Envelope[Visualization])
def get_visualization(request: Request, ctx: Ctx, user: CurrentUser,
                      visualization_id: str = Path(min_length=1, max_length=100)
                      ) -> JSONResponse:
    """The chart's component description and its Plotly figure."""
    viz = ctx.queries.get_visualization(visualization_id, owner_id=user.owner_key)
    if viz is None:
        raise ApiError(404, "NOT_FOUND", f"no visualization {visualization_id}")
    return ok(request, viz.wire())
