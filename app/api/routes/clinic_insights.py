"""/api/v1/organizations/{id}/analytics and /reports (generate, then download)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Path, Query, Request
from starlette.responses import JSONResponse, Response

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok
from app.api.permits import permit
from app.api.schemas.common import CLINIC_ERRORS, ClinicEnvelope
from app.services.assist.inputs import ReportRequest
from app.services.assist.results import Analytics, ReportCreated
from app.services.clinic.access import Access

router = api_router(prefix="/api/v1/organizations/{organizationId}", tags=["clinic reports"],
                   responses=CLINIC_ERRORS)


@router.get("/analytics", response_model=ClinicEnvelope[Analytics])
def get_analytics(request: Request, ctx: Ctx,
                  access: Annotated[Access, permit("view_reports")],
                  period: Literal["day", "week", "month", "year", "custom"] = "month",
                  startDate: date | None = Query(None),  # noqa: N803
                  endDate: date | None = Query(None)) -> JSONResponse:  # noqa: N803
    """Appointments by status, patients new and returning, provider utilization, and
    revenue when fees are configured."""
    return ok(request, ctx.assist.insights.analytics(access, period=period, start=startDate,
                                                     end=endDate).wire())


@router.post("/reports", status_code=201, response_model=ClinicEnvelope[ReportCreated])
def create_report(body: ReportRequest, request: Request, ctx: Ctx,
                  access: Annotated[Access, permit("generate_reports")]) -> JSONResponse:
    """Generate a report now; fetch it from `downloadUrl` (and email it when asked)."""
    created = ctx.assist.insights.create_report(
        access, kind=body.type, start=body.period.start, end=body.period.end, fmt=body.format,
        department=body.filters.department, provider_id=body.filters.provider,
        email=body.email)
    return ok(request, created.wire(), status_code=201)


@router.get("/reports/{reportId}/download", response_class=Response)
def download_report(ctx: Ctx,
                    access: Annotated[Access, permit("view_reports")],
                    reportId: str = Path(min_length=1, max_length=100)) -> Response:  # noqa: N803
    name, data, media = ctx.assist.insights.download(access, reportId)
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
