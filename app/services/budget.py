"""The query budget: how many questions a user may ask per window, on every path.

Every way of starting a query (POST /v1/queries, POST /v1/conversations with
`first_query`, the desktop's Ask view, `healthinsight ask`) goes through
QueryService.submit, which checks this budget after the question was validated and
before it is stored. It is counted from the stored questions themselves (a sliding
window over ``queries.started_at``), so only accepted questions count, and a restart
forgets nothing. The check and the insert happen under one lock, so parallel
submissions cannot overshoot it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from app.services.errors import RateLimited

if TYPE_CHECKING:
    from storage.repos.conversations import ConversationRepository


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # epoch seconds when the oldest counted question leaves the window


class QueryBudget:
    def __init__(self, repo: ConversationRepository, rule: tuple[int, int]) -> None:
        self._repo = repo
        self._limit, self._window = rule
        self._lock = threading.Lock()

    def state(self, owner_id: str | None) -> Budget:
        now = datetime.now(UTC)
        count, oldest = self._repo.queries_since(
            owner_id=owner_id, since=now - timedelta(seconds=self._window))
        start = oldest.replace(tzinfo=oldest.tzinfo or UTC) if oldest else now
        reset = int((start + timedelta(seconds=self._window)).timestamp() + 0.999)
        return Budget(self._limit, max(self._limit - count, 0), reset)

    def check(self, owner_id: str | None) -> Budget:
        """The budget now; RateLimited when it is spent."""
        budget = self.state(owner_id)
        if budget.remaining <= 0:
            raise RateLimited(f"too many questions; the budget is {budget.limit} per "
                              f"{self._window // 60} minutes",
                              {"category": "queries", "limit": budget.limit,
                               "reset": budget.reset})
        return budget

    @contextmanager
    def spending(self, owner_id: str | None) -> Iterator[None]:
        """Check, then let the block store the question, with no other spend between."""
        with self._lock:
            self.check(owner_id)
            yield
