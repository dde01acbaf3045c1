"""Running the app with uvicorn: in a daemon thread (desktop app, tests) or blocking (CLI).

`ApiServer(ctx).start()` returns once the socket listens, with `.port` set (pass port 0
for an ephemeral one); `.stop()` asks uvicorn to finish and waits for it.
`bind()` then `serve_forever()` run in the calling thread (the CLI): the socket is bound
first so the port it got (port 0 picks one) can be printed before serving, and a
SIGINT or SIGTERM stops the server gracefully and is returned as the signal number
instead of being raised again from inside uvicorn, so the exit status never depends
on when the signal lands.
"""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Iterator

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


class _Server(uvicorn.Server):
    """uvicorn's server, keeping the signal that stopped it rather than re-raising it."""

    stopped_by: int | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(sig: int, _frame: object) -> None:
            self.stopped_by = self.stopped_by or sig
            self.handle_exit(sig, None)

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class ApiServer:
    def __init__(self, ctx: AppContext, host: str | None = None, port: int | None = None,
                 *, log_level: str = "warning") -> None:
        self.host = host or ctx.settings.api_host
        self.port = ctx.settings.api_port if port is None else port
        self.app = create_app(ctx, local_only=is_loopback(self.host))
        # No proxy stands in front of this server: uvicorn's default would take the
        # client's address from X-Forwarded-For of any local program (a fresh budget per
        # forged address), and its middleware would run on every request for nothing.
        config = uvicorn.Config(self.app, host=self.host, port=self.port,
                                ws="websockets-sansio", log_level=log_level,
                                lifespan="on", access_log=False, proxy_headers=False)
        self._server = _Server(config)
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

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

    def bind(self) -> None:
        """Bind and listen now; `.port` is then the port it got. Clients that connect
        before uvicorn has started wait in the backlog rather than being refused."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(self._server.config.backlog)  # connections wait until uvicorn serves
        self.port = int(sock.getsockname()[1])
        self._socket = sock

    def serve_forever(self) -> int | None:
        """Block serving (on the bound socket) until SIGINT or SIGTERM; the signal's number."""
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()
        return self._server.stopped_by
