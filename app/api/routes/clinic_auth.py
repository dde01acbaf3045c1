"""POST /api/v1/auth/login: the clinic API's login (same users, same tokens)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, spend
from app.api.envelopes import ok
from app.api.schemas.auth import ClinicLogin, ClinicLoginRequest
from app.api.schemas.common import CLINIC_ERRORS, ClinicEnvelope

router = APIRouter(prefix="/api/v1/auth", tags=["clinic auth"], responses=CLINIC_ERRORS)


@router.post("/login", response_model=ClinicEnvelope[ClinicLogin])
def clinic_login(body: ClinicLoginRequest, request: Request, ctx: Ctx) -> JSONResponse:
    """Email, password and organization slug for a token scoped to that organization."""
    spend(request, "auth", "email:" + body.email.strip().lower())
    tokens = ctx.auth.login(body.email, body.password, organization_slug=body.organizationSlug)
    user = tokens["user"]
    return ok(request, {"token": tokens["access_token"],
                        "user": {"id": user["id"], "email": user["email"],
                                 "organizationId": tokens["organization_id"]}})
