"""/api/v1/organizations: create (platform admin), details, stats, settings, roles,
departments. Each route declares its permission; the services do the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok, request_id
from app.api.permits import PlatformUser, permit
from app.api.schemas import clinic as s
from app.api.schemas.common import CLINIC_ERRORS
from app.services.clinic.access import Access

router = api_router(prefix="/api/v1/organizations", tags=["clinic organizations"],
                   responses=CLINIC_ERRORS)


@router.post("", status_code=201, response_model=s.OrganizationCreatedOut)
def create_organization(body: s.OrganizationCreate, request: Request, ctx: Ctx,
                        user: PlatformUser) -> JSONResponse:
    """A new organization (the vault owner only); adminUser gets a temporary password."""
    created = ctx.clinic.organizations.create(user, body, request_id=request_id(request))
    return ok(request, created.wire(), status_code=201)


@router.get("/{organizationId}", response_model=s.OrganizationOut)
def get_organization(request: Request, ctx: Ctx,
                     access: Annotated[Access, permit("view_organization")]) -> JSONResponse:
    return ok(request, ctx.clinic.organizations.get(access).wire())


@router.get("/{organizationId}/stats", response_model=s.StatsOut)
def organization_stats(request: Request, ctx: Ctx,
                       access: Annotated[Access, permit("view_organization")]) -> JSONResponse:
    """Totals counted from the store; appointment figures from the appointments table."""
    return ok(request, ctx.clinic.organizations.stats(access).wire())


@router.put("/{organizationId}/settings", response_model=s.OrganizationOut)
def update_settings(body: s.SettingsUpdate, request: Request, ctx: Ctx,
                    access: Annotated[Access, permit("manage_organization")]) -> JSONResponse:
    """Business hours, time zone, MRN prefix, FAQ, scheduling, fees, reminders."""
    return ok(request, ctx.clinic.organizations.update_settings(access, body).wire())


@router.get("/{organizationId}/roles", response_model=s.RolesOut)
def roles(request: Request, ctx: Ctx,
          access: Annotated[Access, permit("view_organization")]) -> JSONResponse:
    return ok(request, ctx.clinic.organizations.roles(access).wire())


@router.get("/{organizationId}/departments", response_model=s.DepartmentsOut)
def departments(request: Request, ctx: Ctx,
                access: Annotated[Access, permit("view_organization")]) -> JSONResponse:
    return ok(request, ctx.clinic.organizations.departments(access).wire())
