"""What a request must pass before any of its body is read (a plain ASGI middleware).

- A state-changing request (anything but GET, HEAD, OPTIONS) with ``Origin: null`` is
  refused 403: any web page can send one (sandboxed frames, ``file:`` pages), so it
  never counts as local.
- A request with a body to anything but the auth endpoints (login, refresh) and no
  valid Bearer token is answered 401 before its body is read: an unauthenticated
  client cannot make the server buffer or parse anything.
- Every body is bounded while it streams: JSON about 1 MB, the import upload the
  configured import limit (plus room for the multipart framing). A Content-Length
  over the bound is refused at once; a body that grows past it (chunked, or lying) is
  cut off when it does: 413 in the error envelope, and whatever the route would have
  answered afterwards is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import ApiError, auth_error, rendered
from app.api.middleware import send_json
from app.services.tokens import AuthFailed

JSON_LIMIT = 1024 * 1024
MULTIPART_OVERHEAD = 1024 * 1024
# The routes that take record files: the insight upload and a clinic patient's records.
UPLOADS = re.compile(r"^/v1/health-data/import$"
                     r"|^/api/v1/organizations/[^/]+/patients/[^/]+/records$")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The organization a clinic path names: a refused token is that organization's event.
ORGANIZATION_PATH = re.compile(r"^/api/v1/organizations/([^/]+)")
AUTHENTICATED = "guard_authenticated"  # in the request's state: (token, its principal)


class BodyTooLarge(Exception):
    """Raised into the app when its body passed the bound (the 413 is already sent)."""


class RequestGuard:
    def __init__(self, app: ASGIApp, *, authenticate: Callable[[str], Any],
                 upload_limit: int) -> None:
        self.app = app
        self.authenticate = authenticate
        self.upload_limit = upload_limit + MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        refusal = self._refusal(scope["path"], headers, scope.setdefault("state", {}))
        if refusal is not None:
            await _answer(send, scope, refusal)
            return
        limit = self.upload_limit if UPLOADS.match(scope["path"]) else JSON_LIMIT
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            await _answer(send, scope, _too_large(limit))
            return
        answered = False
        seen = 0

        async def bounded_receive() -> Message:
            nonlocal answered, seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not answered:
                    answered = True
                    await _answer(send, scope, _too_large(limit))
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not answered:
                await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not answered:
                raise

    def _refusal(self, path: str, headers: dict[bytes, bytes],
                 state: dict[str, Any]) -> ApiError | None:
        """Why the request is refused before its body is read, if it is. The principal
        its token speaks for is kept in the request's state (`AUTHENTICATED`), so the
        route's own dependency does not check the same token again."""
        if headers.get(b"origin") == b"null":
            return ApiError(403, "PERMISSION_DENIED", "requests that change something are not "
                            "accepted from an opaque origin (Origin: null)")
        if "/auth/" in path:
            return None
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return ApiError(401, "AUTH_REQUIRED", "authentication required: send "
                            "'Authorization: Bearer <token>'")
        named = ORGANIZATION_PATH.match(path)
        try:
            principal = self.authenticate(token.strip(),
                                          organization_id=named and named.group(1),
                                          request_id=state.get("request_id"))
        except AuthFailed as exc:
            return auth_error(exc)
        state[AUTHENTICATED] = (token.strip(), principal)
        return None


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "VALIDATION_ERROR", f"the request body is larger than this endpoint "
                    f"accepts ({limit} bytes)", {"max_bytes": limit})


async def _answer(send: Send, scope: Scope, err: ApiError) -> None:
    rid = scope.get("state", {}).get("request_id", "")
    status, body = rendered(scope["path"], rid, err)
    await send_json(send, status, body, [(b"connection", b"close")])
