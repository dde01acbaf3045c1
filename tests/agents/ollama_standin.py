"""An Ollama-protocol stand-in on loopback for tests: /api/chat (streaming NDJSON or one
JSON object), /api/tags and /api/version, answering from a script the test writes.

It speaks the wire protocol the real `ollama` client uses, so the client, its httpx
transport, timeouts and error handling are all exercised for real.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    chunks: list[str] = field(default_factory=list)  # message content pieces, streamed in order
    delay: float = 0.0  # seconds before each chunk
    status: int = 200
    error: str | None = None  # sent as {"error": ...}


Responder = Callable[[dict[str, Any]], Reply]


class StandIn:
    def __init__(self, responder: Responder, models: tuple[str, ...] = ("llama3.1:8b",)) -> None:
        self.responder = responder
        self.models = models
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, value: Any) -> None:
                body = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/api/tags":
                    self._json(200, {"models": [
                        {"name": m, "model": m, "modified_at": "2026-01-01T00:00:00Z",
                         "size": 1, "digest": "0" * 64, "details": {}} for m in standin.models]})
                elif self.path == "/api/version":
                    self._json(200, {"version": "0.12.0"})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                standin.requests.append(body)
                if self.path != "/api/chat":
                    self._json(404, {"error": "not found"})
                    return
                reply = standin.responder(body)
                if reply.status != 200 or reply.error:
                    self._json(reply.status if reply.status != 200 else 500,
                               {"error": reply.error or "failed"})
                    return
                if not body.get("stream", True):
                    time.sleep(reply.delay)
                    self._json(200, _message(body, "".join(reply.chunks), done=True))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for piece in [*reply.chunks, None]:
                        time.sleep(reply.delay)
                        line = _message(body, piece or "", done=piece is None)
                        data = (json.dumps(line) + "\n").encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up (timeout or cancel): that is the test's point

        return Handler


def _message(body: dict[str, Any], content: str, *, done: bool) -> dict[str, Any]:
    return {"model": body.get("model", ""), "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": content}, "done": done,
            **({"done_reason": "stop"} if done else {})}


@contextmanager
def standin(responder: Responder, **kwargs: Any) -> Iterator[StandIn]:
    server = StandIn(responder, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()
