"""What routes depend on: the AppContext, the signed-in user, rate limits, deprecation.

Routes stay thin: `user: CurrentUser` authenticates and spends one request of the
general budget; `ImportUser` spends its own category's budget (questions are counted
by the QueryService's budget, on every path; `budget_rate` shows it in the headers); the
clinic API's `ClinicUser` is the user acting in one organization (the token's, or the
X-Organization-Context header's, checked against the user's memberships, with the
role there) and spends that organization's budget. Authentication is checked on the
event loop: it is a signature check plus a few-seconds cache of the user row.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from app.api.envelopes import request_id
from app.api.errors import ApiError, auth_error
from app.api.guard import AUTHENTICATED
from app.api.ratelimit import RateLimiter, RateState
from app.context import AppContext
from app.services.auth import Principal
from app.services.budget import Budget
from app.services.errors import PermissionDenied
from app.services.tokens import AuthFailed

CHANGE_PASSWORD_PATH = "/api/v1/auth/change-password"  # the one route open before it
bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/login, "
                    "/api/v1/auth/login or `healthinsight token`")


async def get_ctx(request: Request) -> AppContext:
    """Async on purpose: FastAPI runs plain-def dependencies on the thread pool."""
    return request.app.state.ctx  # type: ignore[no-any-return]


Ctx = Annotated[AppContext, Depends(get_ctx)]


def budget_rate(request: Request, budget: Budget) -> None:
    """Show the query budget in this response's X-RateLimit headers."""
    request.state.rate = RateState(limit=budget.limit, remaining=budget.remaining,
                                   reset=budget.reset, allowed=budget.remaining > 0)


def spend(request: Request, category: str, key: str) -> RateState:
    """Count one request against `category` for `key`; 429 once it is spent."""
    limiter: RateLimiter = request.app.state.limiter
    state = limiter.hit(category, key)
    request.state.rate = state
    if not state.allowed:
        raise ApiError(429, "RATE_LIMIT_EXCEEDED",
                       f"too many requests; the {category} budget is {state.limit} per window",
                       {"category": category, "limit": state.limit, "reset": state.reset},
                       headers={"Retry-After": str(max(state.reset - int(time.time()), 1))})
    return state


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "AUTH_REQUIRED", "authentication required: send "
                       "'Authorization: Bearer <token>'")
    checked = getattr(request.state, AUTHENTICATED, None)  # by the request guard
    if checked is not None and checked[0] == credentials.credentials:
        principal = checked[1]
    else:
        try:
            principal = request.app.state.ctx.auth.authenticate(
                credentials.credentials,
                organization_id=request.path_params.get("organizationId"),
                request_id=request_id(request))
        except AuthFailed as exc:
            raise auth_error(exc) from None
    if principal.must_change_password and request.url.path != CHANGE_PASSWORD_PATH:
        raise ApiError(403, "PASSWORD_CHANGE_REQUIRED", "this account has a temporary "
                       f"password: change it first with POST {CHANGE_PASSWORD_PATH}")
    request.state.principal = principal
    return principal


def limited(category: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the signed-in user, after spending one request of `category`."""

    async def dependency(request: Request,
                         user: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if category == "clinic":
            auth = request.app.state.ctx.auth
            try:
                user = auth.in_organization(
                    user, request.headers.get("x-organization-context") or None)
            except PermissionDenied as exc:
                raise ApiError(403, "PERMISSION_DENIED", exc.message) from None
            request.state.principal = user
            spend(request, category, f"org:{user.organization_id}")
        else:
            spend(request, category, user.user_id)
        return user

    return dependency


CurrentUser = Annotated[Principal, Depends(limited("general"))]
ImportUser = Annotated[Principal, Depends(limited("import"))]
ClinicUser = Annotated[Principal, Depends(limited("clinic"))]


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(route: object) -> frozenset[str]:
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        found: set[str] = set()
        pending = [getattr(route, "dependant", None)]
        while pending:
            dependant = pending.pop()
            if dependant is not None:
                found.update(param.alias for param in dependant.query_params)
                pending.extend(dependant.dependencies)
        names = _QUERY_NAMES[id(route)] = frozenset(found)
    return names


async def known_query_only(connection: HTTPConnection) -> None:
    """Refuse query parameters the endpoint does not take (a typo such as `sortby=`
    would otherwise be ignored silently). App-wide dependencies also run for WebSockets,
    hence HTTPConnection; those have a protocol of their own and are left alone."""
    if connection.scope["type"] != "http" or not connection.query_params:
        return
    allowed = _query_names(connection.scope.get("route"))
    unknown = [key for key in connection.query_params if key not in allowed]
    if unknown:
        raise ApiError(400, "VALIDATION_ERROR", "unknown query parameters",
                       [{"field": key or "(empty)", "message": "not a parameter of this "
                         "endpoint"} for key in unknown])


def api_router(**options: Any) -> APIRouter:
    """The router a route module declares its routes on. The app-wide dependency
    (`known_query_only`) sits on each route itself, so that the app can serve the
    routes as they are (app.py `_serve`) rather than through an include."""
    return APIRouter(dependencies=[Depends(known_query_only)], **options)


def deprecated(date: str, info: str) -> Callable[[Request], Awaitable[None]]:
    """Mark a route deprecated: add `dependencies=[Depends(deprecated(...))]` and
    `deprecated=True`; responses then carry X-API-Deprecation-Date and -Info."""

    async def dependency(request: Request) -> None:
        request.state.deprecation = (date, info)

    return dependency
