"""POST /api/v1/auth/login (same users, same tokens as /v1) and change-password."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router, authenticated, spend
from app.api.envelopes import ok, request_id
from app.api.schemas.auth import ClinicLogin, ClinicLoginRequest
from app.api.schemas.clinic import PasswordChange, PasswordChangedOut, SignedOutOut
from app.api.schemas.common import CLINIC_ERRORS, ClinicEnvelope
from app.services.auth import Principal

router = api_router(prefix="/api/v1/auth", tags=["clinic auth"], responses=CLINIC_ERRORS)


@router.post("/login", response_model=ClinicEnvelope[ClinicLogin])
def clinic_login(body: ClinicLoginRequest, request: Request, ctx: Ctx) -> JSONResponse:
    """Email, password and organization slug for a token scoped to that organization."""
    spend(request, "auth", "email:" + body.email.strip().lower())
    tokens = ctx.auth.login(body.email, body.password, organization_slug=body.organizationSlug)
    user = tokens.user
    ctx.clinic.audit.signed("login", user_id=user.id, organization_id=tokens.organization_id,
                            request_id=request_id(request))
    return ok(request, {"token": tokens.access_token,
                        "user": {"id": user.id, "email": user.email,
                                 "organizationId": tokens.organization_id}})


@router.post("/change-password", response_model=PasswordChangedOut)
def change_password(body: PasswordChange, request: Request, ctx: Ctx,
                    user: Annotated[Principal, Depends(authenticated)]) -> JSONResponse:
    """Replace the (temporary) password; the only route open before it is changed."""
    spend(request, "auth", f"user:{user.user_id}")
    ctx.auth.change_password(user.user_id, body.current_password, body.new_password)
    return ok(request, {"userId": user.user_id, "mustChangePassword": False})


@router.post("/logout", response_model=SignedOutOut)
def clinic_logout(request: Request, ctx: Ctx,
                  user: Annotated[Principal, Depends(authenticated)]) -> JSONResponse:
    """End this token's session (every access token of that login answers 401 from
    now on) and record the sign-out in the audit trail."""
    spend(request, "auth", f"user:{user.user_id}")
    ctx.auth.logout(user)
    when = ctx.clinic.audit.signed("logout", user_id=user.user_id,
                                   organization_id=user.organization_id,
                                   request_id=request_id(request))
    return ok(request, {"userId": user.user_id, "signedOutAt": when})
