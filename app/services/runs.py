"""The one owner of a running query's live state: its future, cancel flag, owner and the
medical team as the events report it. A query's entry exists from submit until its run
ends (completed, failed or cancelled) and is then removed, so nothing grows with the
life of the server; what is left is in the vault.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from agents.team.roster import CMO_NAME, ROSTER


@dataclass
class _Run:
    owner_id: str | None
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future[None] | None = None
    engine: str | None = None
    team: dict[str, Any] = field(default_factory=lambda: {
        "cmo": {"name": CMO_NAME, "status": "assessing", "confidence": None},
        "specialists": []})


class RunCoordinator:
    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}

    def start(self, query_id: str, owner_id: str | None,
              work: Callable[[threading.Event], None]) -> None:
        """Run `work(cancel)` on the pool; the entry is removed when it returns."""
        run = _Run(owner_id)

        def body() -> None:
            try:
                work(run.cancel)
            finally:
                with self._lock:
                    self._runs.pop(query_id, None)

        with self._lock:
            self._runs[query_id] = run
            run.future = self._pool.submit(body)

    def running(self) -> int:
        with self._lock:
            return len(self._runs)

    def query_ids(self) -> list[str]:
        """The queries running now (a shutdown or a restart waits for them)."""
        with self._lock:
            return list(self._runs)

    def cancel(self, query_id: str) -> bool:
        with self._lock:
            run = self._runs.get(query_id)
        if run is None or run.future is None or run.future.done():
            return False
        run.cancel.set()
        return True

    def wait(self, query_id: str, timeout: float) -> str | None | bool:
        """Wait for a running query; False when it is not running here, else its owner."""
        with self._lock:
            run = self._runs.get(query_id)
        if run is None:
            return False
        if run.future is not None:
            done = threading.Event()
            run.future.add_done_callback(lambda _: done.set())
            done.wait(timeout)
        return run.owner_id

    def set_engine(self, query_id: str, engine: str) -> None:
        with self._lock:
            if (run := self._runs.get(query_id)) is not None:
                run.engine = engine

    def live(self, query_id: str) -> dict[str, Any] | None:
        """A copy of the live medical team and engine, while the query runs."""
        with self._lock:
            run = self._runs.get(query_id)
            if run is None:
                return None
            team = {"cmo": dict(run.team["cmo"]),
                    "specialists": [dict(s) for s in run.team["specialists"]]}
            return {"medical_team": team, "engine": run.engine}

    def track(self, query_id: str, kind: str, data: dict[str, Any]) -> None:
        """Follow one event into the live medical team."""
        with self._lock:
            run = self._runs.get(query_id)
            if run is None:
                return
            team = run.team
            if kind == "query_status" and "specialists" in data:
                team["cmo"]["status"] = "coordinating"
                team["specialists"] = [
                    {"type": s.id, "name": s.name, "status": "pending", "confidence": None,
                     "findings": None} for s in ROSTER if s.id in data["specialists"]]
            elif kind in ("specialist_update", "specialist_complete"):
                for entry in team["specialists"]:
                    if entry["type"] == data["specialist"]:
                        entry["status"] = data.get("status", "analyzing")
                        entry["confidence"] = data.get("confidence", entry["confidence"])
            elif kind == "cmo_synthesis":
                team["cmo"]["status"] = "synthesizing"

    def cancel_all(self) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.cancel.set()
