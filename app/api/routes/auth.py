"""POST /v1/auth/login and /v1/auth/refresh (insight API)."""

from __future__ import annotations

from typing import Any

import jwt
from fastapi import Request
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router, spend
from app.api.envelopes import ok
from app.api.schemas.auth import LoginRequest, RefreshRequest, TokenPair
from app.api.schemas.common import INSIGHT_ERRORS, Envelope
from app.services.auth_results import IssuedTokens

router = api_router(prefix="/v1/auth", tags=["auth"], responses=INSIGHT_ERRORS)


def _pair(tokens: IssuedTokens) -> dict[str, Any]:
    """The insight API's token pair (the user without the service's is_owner)."""
    user = tokens.user
    return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
            "token_type": tokens.token_type, "expires_in": tokens.expires_in,
            "user": {"id": user.id, "email": user.email, "name": user.name}}


@router.post("/login", response_model=Envelope[TokenPair])
def login(body: LoginRequest, request: Request, ctx: Ctx) -> JSONResponse:
    """Email and password for an access token (1 h) and a rotating refresh token."""
    spend(request, "auth", "email:" + body.email.strip().lower())
    return ok(request, _pair(ctx.auth.login(body.email, body.password)))


@router.post("/refresh", response_model=Envelope[TokenPair])
def refresh(body: RefreshRequest, request: Request, ctx: Ctx) -> JSONResponse:
    """Spend a refresh token for a new pair; a token used twice revokes its session."""
    try:  # the budget is per user; the signature is checked by the service
        subject = jwt.decode(body.refresh_token, options={"verify_signature": False})["sub"]
    except (jwt.PyJWTError, KeyError, TypeError):
        subject = "unknown"
    spend(request, "auth", f"user:{subject}")
    return ok(request, _pair(ctx.auth.refresh(body.refresh_token)))
