"""Running the app with uvicorn: in a daemon thread (desktop app, tests) or blocking (CLI).

`ApiServer(ctx).start()` returns once the socket listens, with `.port` set (pass port 0
for an ephemeral one); `.stop()` asks uvicorn to finish and waits for it.
`serve_forever()` runs in the calling thread, where uvicorn handles Ctrl-C itself.
"""

from __future__ import annotations

import ipaddress
import threading
import time

import uvicorn

from app.api.app import create_app
from app.context import AppContext

START_TIMEOUT = 30.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ApiServer:
    def __init__(self, ctx: AppContext, host: str | None = None, port: int | None = None,
                 *, log_level: str = "warning") -> None:
        self.host = host or ctx.settings.api_host
        self.port = ctx.settings.api_port if port is None else port
        self.app = create_app(ctx, local_only=is_loopback(self.host))
        config = uvicorn.Config(self.app, host=self.host, port=self.port,
                                ws="websockets-sansio", log_level=log_level,
                                lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread; returns when listening (raises if it cannot start)."""
        self._thread = threading.Thread(target=self._server.run, name="api-server",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the API server could not start on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the API server did not start in time")
            time.sleep(0.01)
        self._read_port()

    def _read_port(self) -> None:
        for server in self._server.servers:
            for sock in server.sockets:
                self.port = int(sock.getsockname()[1])
                return

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout)
            self._thread = None

    def serve_forever(self) -> None:
        """Block serving until interrupted (Ctrl-C / SIGTERM)."""
        self._server.run()
