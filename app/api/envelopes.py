"""The two documented envelopes: the insight API's (/v1) and the clinic API's (/api/v1).

Insight success: {success, data, metadata{timestamp, request_id, version}}; its errors
carry error{code, message, details{}} and metadata{timestamp, request_id}.
Clinic success: {success, data}; its errors carry error{code, message, details[{field,
message}], timestamp, requestId}. Which one a request gets depends only on its path.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

API_VERSION = "1.0.0"
CLINIC_PREFIX = "/api/"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(8)


def request_id(conn: HTTPConnection) -> str:
    """The id the middleware gave this request (one is made if it ran outside it)."""
    state = conn.scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = new_request_id()
    return str(state["request_id"])


def is_clinic(path: str) -> bool:
    return path.startswith(CLINIC_PREFIX)


def ok(conn: HTTPConnection, data: Any, *, status_code: int = 200) -> JSONResponse:
    """A success envelope in the style of the API the request was made to.

    Returned as a response, so FastAPI does not validate it a second time against the
    route's response_model: the models document the shapes (all allow extra fields),
    the schemathesis test checks every response against them, and the second pass
    cost more than half the throughput of the list endpoints.
    """
    if is_clinic(conn.url.path):
        body: dict[str, Any] = {"success": True, "data": data}
    else:
        body = {"success": True, "data": data,
                "metadata": {"timestamp": now_iso(), "request_id": request_id(conn),
                             "version": API_VERSION}}
    return JSONResponse(body, status_code=status_code)


def error_body(*, path: str, rid: str, code: str, message: str,
               details: Any = None) -> dict[str, Any]:
    """An error envelope; `details` is a list of {field, message} or a dict of context."""
    if is_clinic(path):
        if isinstance(details, dict):
            fields = details.get("fields")
            details = fields if isinstance(fields, list) else [
                {"field": key, "message": str(value)} for key, value in details.items()]
        return {"success": False,
                "error": {"code": code, "message": message, "details": details or [],
                          "timestamp": now_iso(), "requestId": rid}}
    if isinstance(details, list):
        details = {"fields": details}
    return {"success": False,
            "error": {"code": code, "message": message, "details": details or {}},
            "metadata": {"timestamp": now_iso(), "request_id": rid}}
