"""Providers (one by one and in bulk) and staff of an organization."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok
from app.api.permits import permit
from app.api.routes.clinic_params import ItemId, Limit, Page, Search
from app.api.schemas import clinic as s
from app.api.schemas.common import CLINIC_ERRORS
from app.services.clinic.access import Access

router = api_router(prefix="/api/v1/organizations/{organizationId}", tags=["clinic people"],
                   responses=CLINIC_ERRORS)


@router.post("/providers", status_code=201, response_model=s.ProviderRegisteredOut)
def register_provider(body: s.ProviderCreate, request: Request, ctx: Ctx,
                      access: Annotated[Access, permit("manage_providers")]) -> JSONResponse:
    """A provider and their login (credentials.temporaryPassword, shown once)."""
    return ok(request, ctx.clinic.providers.register(access, body).wire(), status_code=201)


@router.get("/providers", response_model=s.ProviderPageOut)
def list_providers(request: Request, ctx: Ctx,
                   access: Annotated[Access, permit("view_providers")],
                   search: Search = None, department: Search = None, page: Page = 1,
                   limit: Limit = 20) -> JSONResponse:
    found = ctx.clinic.providers.list(access, search=search, department=department,
                                      page=page, limit=limit)
    return ok(request, found.wire())


@router.get("/providers/{providerId}", response_model=s.ProviderOut)
def get_provider(providerId: ItemId, request: Request, ctx: Ctx,  # noqa: N803
                 access: Annotated[Access, permit("view_providers")]) -> JSONResponse:
    return ok(request, ctx.clinic.providers.get(access, providerId).wire())


@router.put("/providers/{providerId}", response_model=s.ProviderOut)
def update_provider(providerId: ItemId, body: s.ProviderUpdate, request: Request,  # noqa: N803
                    ctx: Ctx,
                    access: Annotated[Access, permit("manage_providers")]) -> JSONResponse:
    return ok(request, ctx.clinic.providers.update(access, providerId, body).wire())


@router.post("/bulk/providers", response_model=s.BulkOut)
def bulk_providers(body: s.BulkProviders, request: Request, ctx: Ctx,
                   access: Annotated[Access, permit("manage_providers")]) -> JSONResponse:
    """Each row registered on its own: one bad row fails alone, with its reason."""
    return ok(request, ctx.clinic.providers.register_bulk(access, body.providers).wire())


@router.post("/staff", status_code=201, response_model=s.StaffRegisteredOut)
def register_staff(body: s.StaffCreate, request: Request, ctx: Ctx,
                   access: Annotated[Access, permit("manage_staff")]) -> JSONResponse:
    return ok(request, ctx.clinic.staff.register(access, body).wire(), status_code=201)


@router.get("/staff", response_model=s.StaffPageOut)
def list_staff(request: Request, ctx: Ctx, access: Annotated[Access, permit("view_staff")],
               search: Search = None, page: Page = 1, limit: Limit = 20) -> JSONResponse:
    return ok(request, ctx.clinic.staff.list(access, search=search, page=page,
                                             limit=limit).wire())


@router.get("/staff/{staffId}", response_model=s.StaffOut)
def get_staff(staffId: ItemId, request: Request, ctx: Ctx,  # noqa: N803
              access: Annotated[Access, permit("view_staff")]) -> JSONResponse:
    return ok(request, ctx.clinic.staff.get(access, staffId).wire())


@router.put("/staff/{staffId}", response_model=s.StaffOut)
def update_staff(staffId: ItemId, body: s.StaffUpdate, request: Request,  # noqa: N803
                 ctx: Ctx, access: Annotated[Access, permit("manage_staff")]) -> JSONResponse:
    return ok(request, ctx.clinic.staff.update(access, staffId, body).wire())
