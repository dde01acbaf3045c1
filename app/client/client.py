"""`HealthInsightClient` and `AsyncHealthInsightClient`: one object per server session.

    with HealthInsightClient("http://127.0.0.1:8765", email=..., password=...) as hi:
        query = hi.queries.create(query="What's my cholesterol trend?")
        for event in hi.queries.stream(query.query_id):
            print(event.type)

Sign in with email and password (the client logs in on first use and renews its
session when the server says the token expired) or with a token from
`healthinsight token`. Requests refused with 429 wait for the window's reset and try
again (`max_retries`, `max_wait`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from app.api.schemas.medical_team import Specialist
from app.client import clinic_ops, insight, ops
from app.client.clinic import Clinic, Organizations
from app.client.transport import AsyncDriver, SyncDriver
from app.services.clinic.results import PasswordChanged

DEFAULT_URL = "http://127.0.0.1:8765"


class HealthInsightClient:
    def __init__(self, base_url: str = DEFAULT_URL, *, email: str | None = None,
                 password: str | None = None, token: str | None = None,
                 timeout: float = 60.0, max_retries: int = 3, max_wait: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._driver = SyncDriver(base_url, timeout=timeout, sleep=sleep, email=email,
                                  password=password, token=token, max_retries=max_retries,
                                  max_wait=max_wait)
        self.queries = insight.Queries(self._driver)
        self.conversations = insight.Conversations(self._driver)
        self.health_data = insight.HealthData(self._driver)
        self.visualizations = insight.Visualizations(self._driver)
        self.organizations = Organizations(self._driver.run)

    def clinic(self, organization_id: str) -> Clinic:
        """The clinic API of one organization (patients, providers, appointments, ...)."""
        return Clinic(self._driver.run, organization_id)

    def change_password(self, current: str, new: str) -> PasswordChanged:
        """Replace a temporary password (the server refuses other calls until then)."""
        changed = self._driver.run(clinic_ops.change_password(current, new))
        if self._driver.password == current:
            self._driver.password = new
            self._driver.access_token = self._driver.refresh_token = None
        return changed

    @property
    def token(self) -> str:
        """The access token in use (logging in first if needed)."""
        return self._driver.ensure_token()

    def specialists(self) -> list[Specialist]:
        return self._driver.run(ops.specialists())

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> HealthInsightClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncHealthInsightClient:
    def __init__(self, base_url: str = DEFAULT_URL, *, email: str | None = None,
                 password: str | None = None, token: str | None = None,
                 timeout: float = 60.0, max_retries: int = 3, max_wait: float = 60.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._driver = AsyncDriver(base_url, timeout=timeout, sleep=sleep, email=email,
                                   password=password, token=token, max_retries=max_retries,
                                   max_wait=max_wait)
        self.queries = insight.AsyncQueries(self._driver)
        self.conversations = insight.AsyncConversations(self._driver)
        self.health_data = insight.AsyncHealthData(self._driver)
        self.visualizations = insight.AsyncVisualizations(self._driver)
        self.organizations = Organizations(self._driver.run)

    def clinic(self, organization_id: str) -> Clinic:
        """As the sync client's; every method returns an awaitable."""
        return Clinic(self._driver.run, organization_id)

    async def token(self) -> str:
        return await self._driver.ensure_token()

    async def specialists(self) -> list[Specialist]:
        return await self._driver.run(ops.specialists())

    async def close(self) -> None:
        await self._driver.close()

    async def __aenter__(self) -> AsyncHealthInsightClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()
