"""One permission per clinic route, declared next to it.

    access: Annotated[Access, permit("view_patient_info")]

resolves the signed-in user's membership in the path's organization (404
ORGANIZATION_NOT_FOUND when they have none: another tenant's organization looks like a
missing one), spends one request of that organization's budget (1000 an hour), and
checks the permission (403 INSUFFICIENT_PERMISSIONS, audited). `declared(app)` lists
every route's permission for the tests. `PlatformUser` is the vault owner's routes
(creating organizations), which have no organization yet.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.api.deps import authenticated, spend
from app.api.envelopes import request_id
from app.services.auth import Principal
from app.services.clinic.access import Access
from app.services.clinic.permissions import PERMISSIONS

OrganizationId = Annotated[str, Path(min_length=1, max_length=100,
                                     description="the organization's id")]


class Permit:
    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission}")
        self.permission = permission

    async def __call__(self, request: Request, organizationId: OrganizationId,  # noqa: N803
                       principal: Annotated[Principal, Depends(authenticated)]) -> Access:
        """On the event loop when the member is already known (most requests); reading
        the membership, or auditing a refusal, goes to the thread pool."""
        service = request.app.state.ctx.clinic.access
        rid = request_id(request)
        context = request.headers.get("x-organization-context") or None
        access = None
        if context in (None, organizationId):
            access = service.known(principal, organizationId, self.permission, request_id=rid)
        if access is None:
            access = await run_in_threadpool(service.member, principal, organizationId,
                                             self.permission, request_id=rid, context=context)
        spend(request, "clinic", f"org:{organizationId}")
        if not access.may(self.permission):
            await run_in_threadpool(service.check, access)
        return access


def permit(permission: str) -> Any:
    """The dependency of a route that needs `permission` in the path's organization."""
    return Depends(Permit(permission))


async def platform_user(request: Request,
                        principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    spend(request, "clinic", f"user:{principal.user_id}")
    return principal


PlatformUser = Annotated[Principal, Depends(platform_user)]


def declared(app: FastAPI) -> dict[tuple[str, str], str]:
    """{(method, path): permission} of every route that declares one."""
    found: dict[tuple[str, str], str] = {}
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            if isinstance(dependant.call, Permit):
                for method in route.methods or ():
                    found[(method, route.path)] = dependant.call.permission
            pending.extend(dependant.dependencies)
    return found
