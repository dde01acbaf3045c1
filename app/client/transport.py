"""Drivers that run the SDK's operations over HTTP: one sync, one async, one policy.

Both share `Core`: how a `Request` becomes httpx arguments, what an answer means
(the envelope's data, or a `ClientError`), when to wait and try again (429: until the
epoch second in X-RateLimit-Reset, else Retry-After, at most `max_wait` seconds and
`max_retries` times), and how a session renews itself (a 401 on a signed-in request
spends the refresh token, or logs in again with the password, and retries once).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from app.client import ops
from app.client.errors import ClientError

T = TypeVar("T")
RESET_MARGIN = 0.05  # seconds past the reset, so the new window has surely begun


class Core:
    def __init__(self, base_url: str, *, email: str | None, password: str | None,
                 token: str | None, max_retries: int, max_wait: float) -> None:
        if token is None and (email is None or password is None):
            raise ValueError("pass token=..., or email=... and password=...")
        self.base_url = base_url.rstrip("/")
        self.email = email
        self.password = password
        self.access_token = token
        self.refresh_token: str | None = None
        self.max_retries = max_retries
        self.max_wait = max_wait

    @property
    def can_renew(self) -> bool:
        return self.refresh_token is not None or self.password is not None

    def renewal(self) -> ops.Op[dict[str, Any]]:
        if self.refresh_token is not None:
            try:
                return (yield from ops.refresh(self.refresh_token))
            except ClientError:
                if self.password is None:
                    raise
        assert self.email is not None and self.password is not None
        return (yield from ops.login(self.email, self.password))

    def keep(self, tokens: dict[str, Any]) -> None:
        self.access_token = str(tokens["access_token"])
        self.refresh_token = tokens.get("refresh_token")

    def headers(self, request: ops.Request) -> dict[str, str]:
        headers = dict(request.headers)
        if request.authenticated:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return headers

    def retry_after(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before trying a 429 again, or None to give up."""
        if response.status_code != 429 or attempt >= self.max_retries:
            return None
        reset = response.headers.get("x-ratelimit-reset")
        after = response.headers.get("retry-after")
        try:
            if reset is not None:
                wait = float(reset) - time.time() + RESET_MARGIN
            else:
                wait = float(after) if after is not None else 1.0
        except ValueError:
            wait = 1.0
        return min(max(wait, 0.0), self.max_wait)

    def should_renew(self, request: ops.Request, response: httpx.Response,
                     renewed: bool) -> bool:
        return (response.status_code == 401 and request.authenticated and not renewed
                and self.can_renew)

    @staticmethod
    def result(request: ops.Request, response: httpx.Response) -> Any:
        if request.raw and response.is_success:
            return response.content
        try:
            body = response.json()
        except ValueError:
            raise ClientError(response.status_code, "UNEXPECTED_RESPONSE",
                              response.text[:200]) from None
        if response.is_success and isinstance(body, dict) and body.get("success") is True:
            return body.get("data")
        raise ClientError.from_body(response.status_code, body)


def _files(request: ops.Request, stack: contextlib.ExitStack) -> list[Any] | None:
    if not request.files:
        return None
    return [("file", (path.name, stack.enter_context(path.open("rb")),
                      "application/octet-stream")) for path in request.files]


class SyncDriver(Core):
    def __init__(self, base_url: str, *, timeout: float, sleep: Callable[[float], None],
                 **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self.sleep = sleep

    def run(self, op: ops.Op[T]) -> T:
        try:
            step = next(op)
            while True:
                if isinstance(step, ops.Pause):
                    self.sleep(step.seconds)
                    step = op.send(None)
                else:
                    step = op.send(self.send(step))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def ensure_token(self) -> str:
        if self.access_token is None:
            self.keep(self.run(self.renewal()))
        assert self.access_token is not None
        return self.access_token

    def send(self, request: ops.Request) -> Any:
        if request.authenticated:
            self.ensure_token()
        attempt, renewed = 0, False
        while True:
            with contextlib.ExitStack() as stack:
                response = self.http.request(request.method, request.path, json=request.json,
                                             params=request.params, files=_files(request, stack),
                                             headers=self.headers(request))
            wait = self.retry_after(response, attempt)
            if wait is not None:
                attempt += 1
                self.sleep(wait)
            elif self.should_renew(request, response, renewed):
                renewed = True
                self.keep(self.run(self.renewal()))
            else:
                return self.result(request, response)

    def close(self) -> None:
        self.http.close()


class AsyncDriver(Core):
    def __init__(self, base_url: str, *, timeout: float,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)
        self.sleep = sleep

    async def run(self, op: ops.Op[T]) -> T:
        try:
            step = next(op)
            while True:
                if isinstance(step, ops.Pause):
                    await self.sleep(step.seconds)
                    step = op.send(None)
                else:
                    step = op.send(await self.send(step))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def ensure_token(self) -> str:
        if self.access_token is None:
            self.keep(await self.run(self.renewal()))
        assert self.access_token is not None
        return self.access_token

    async def send(self, request: ops.Request) -> Any:
        if request.authenticated:
            await self.ensure_token()
        attempt, renewed = 0, False
        while True:
            with contextlib.ExitStack() as stack:
                response = await self.http.request(
                    request.method, request.path, json=request.json, params=request.params,
                    files=_files(request, stack), headers=self.headers(request))
            wait = self.retry_after(response, attempt)
            if wait is not None:
                attempt += 1
                await self.sleep(wait)
            elif self.should_renew(request, response, renewed):
                renewed = True
                self.keep(await self.run(self.renewal()))
            else:
                return self.result(request, response)

    async def close(self) -> None:
        await self.http.aclose()
