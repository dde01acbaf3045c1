"""The one exception the SDK raises for an answer the server refused.

Both documents' error envelopes carry a code and a message; the clinic API puts the
request id inside `error`, the insight API in `metadata`. The SDK reads both so a
script sees one shape: `ClientError.status`, `.code`, `.message`, `.details`,
`.request_id`.
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 request_id: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id

    @classmethod
    def from_body(cls, status: int, body: Any) -> ClientError:
        """The error an envelope describes; a body that is no envelope is reported as is."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(status, "UNEXPECTED_RESPONSE", str(body)[:200])
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        rid = error.get("requestId") or metadata.get("request_id")
        return cls(status, str(error.get("code", "UNKNOWN")), str(error.get("message", "")),
                   error.get("details"), str(rid) if rid else None)


class StreamError(ClientError):
    """The WebSocket sent an `error` message, or closed before `query_complete`."""
