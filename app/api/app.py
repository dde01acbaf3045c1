"""The FastAPI application: both APIs on one platform (envelopes, errors, limits, docs).

`create_app(ctx)` builds it over an AppContext; the server runs it with uvicorn. The
lifespan starts the WebSocket hub (the event bus's one listener for all clients) and
the upload folder, and stops both when the server stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig

from app.api import docs, errors
from app.api.envelopes import API_VERSION
from app.api.guard import RequestGuard
from app.api.hub import Hub
from app.api.middleware import PlatformMiddleware
from app.api.ratelimit import RateLimiter
from app.api.routes import (
    auth,
    clinic_appointments,
    clinic_assist,
    clinic_audit,
    clinic_auth,
    clinic_insights,
    clinic_organizations,
    clinic_patients,
    clinic_people,
    conversations,
    health_data,
    medical_team,
    queries,
    visualizations,
    ws,
)
from app.api.uploads import Uploads
from app.context import AppContext

# FastAPI's OpenTelemetry spans, metrics and logs are off, whatever the environment says:
# with an OpenTelemetry SDK present (a plugin, a packager's extra) and an OTLP endpoint in
# the environment they would carry each request's path (patient and appointment ids) and
# exception messages to that address. Off, a request also skips the provider lookups
# (environment reads) it made.
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False,
                                 "operation_spans": False, "auto_configure": False}
DESCRIPTION = (
    "The HealthInsight loopback API: the health insight API under /v1 (WebSocket at /ws) "
    "and the clinic API under /api/v1. Log in at /v1/auth/login or /api/v1/auth/login, "
    "or use a personal token from `healthinsight token`; send it as a Bearer token."
)


def create_app(ctx: AppContext, *, local_only: bool = True) -> FastAPI:
    """The app over `ctx`. `local_only` refuses non-local Host/Origin headers."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _ = ctx.auth  # built now, not on the event loop during the first request
        # Blocking routes share one small pool: DuckDB cursors on many threads of two
        # cores contend more than they overlap (see tests/perf/api.py).
        to_thread.current_default_thread_limiter().total_tokens = ctx.settings.api_threads
        app.state.hub.start()
        try:
            yield
        finally:
            app.state.hub.stop()
            app.state.uploads.cleanup()

    app = FastAPI(title="HealthInsight API", version=API_VERSION, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan,
                  telemetry=NO_TELEMETRY)
    app.state.ctx = ctx
    app.state.limiter = RateLimiter(ctx.settings)
    app.state.hub = Hub(ctx)
    app.state.ws_connections = {}  # user id -> open WebSockets (routes/ws.py)
    app.state.uploads = Uploads(lambda: ctx.vault.uploads_dir)
    errors.install(app)
    docs.install(app)
    for module in (auth, queries, conversations, health_data, visualizations, medical_team,
                   clinic_auth, clinic_organizations, clinic_people, clinic_patients,
                   clinic_audit, clinic_appointments, clinic_assist, clinic_insights, ws):
        _serve(app, module.router)
    # lazily: the app is made (for its schema) before any vault is open
    app.add_middleware(RequestGuard,
                       authenticate=lambda token, **where: ctx.auth.authenticate(token, **where),
                       upload_limit=ctx.settings.max_import_bytes)
    app.add_middleware(PlatformMiddleware, limiter=app.state.limiter, local_only=local_only,
                       reading=lambda: ctx.vault.reading())
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _serve(app: FastAPI, router: APIRouter) -> None:
    """Serve a route module's routes from the app's own list. FastAPI 0.163's
    `include_router` puts the module's router in front of its routes as one entry, which
    each request matches twice (to choose it, then to run it), over every route of
    every router before the one it wants: a fifth of the event loop's time under the
    clinic benchmark. The routes of `deps.api_router` already carry their whole path,
    tags, responses and the app-wide dependency, so the app needs nothing of an include
    but the routes, and one scan finds a request's route."""
    app.router.routes.extend(router.routes)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema without its default 422 answers: validation failures are 400."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema
