"""The audit trail and security events of an organization."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Query, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok
from app.api.permits import permit
from app.api.routes.clinic_params import Filter, Limit, Page
from app.api.schemas import clinic as s
from app.api.schemas.common import CLINIC_ERRORS
from app.services.clinic.access import Access

router = api_router(prefix="/api/v1/organizations/{organizationId}", tags=["clinic audit"],
                   responses=CLINIC_ERRORS)

# A date (the organization's whole local day) or an ISO 8601 date-time.
Bound = Annotated[date | datetime | None, Query(union_mode="left_to_right")]


@router.get("/audit", response_model=s.AuditPageOut)
def audit_trail(request: Request, ctx: Ctx, access: Annotated[Access, permit("view_audit")],
                userId: Filter = None, action: Filter = None,  # noqa: N803
                startDate: Bound = None, endDate: Bound = None,  # noqa: N803
                page: Page = 1, limit: Limit = 20) -> JSONResponse:
    """Who read or changed what, newest first (reading it is audited too)."""
    found = ctx.clinic.audit.trail(access, user_id=userId, action=action, start=startDate,
                                   end=endDate, page=page, limit=limit)
    return ok(request, found.wire())


@router.get("/security/events", response_model=s.SecurityPageOut)
def security_events(request: Request, ctx: Ctx,
                    access: Annotated[Access, permit("view_audit")], type: Filter = None,
                    page: Page = 1, limit: Limit = 20) -> JSONResponse:
    """Failed logins, lockouts, permission denials and refused tokens."""
    found = ctx.clinic.audit.security_events(access, kind=type, page=page, limit=limit)
    return ok(request, found.wire())
