"""What one specialist works on: the vault, the patient, the parsed question, and hooks
to report progress and notice cancellation between tool calls."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from agents.holdings import Holdings
from agents.question import Question
from storage.repos.catalogue import PatientFacts
from storage.vault import Vault


class Cancelled(Exception):
    """The query was cancelled; the specialist stops at its next tool call."""


@dataclass
class Job:
    vault: Vault
    patient_id: str
    question: Question
    cancel: threading.Event = field(default_factory=threading.Event)
    on_step: Callable[[str, float], None] | None = None
    deadline: float | None = None  # time.monotonic() by which the specialist must answer
    holdings: Holdings = field(default_factory=Holdings)  # what the records hold
    facts: PatientFacts | None = None

    def step(self, task: str, progress: float) -> None:
        if self.cancel.is_set():
            raise Cancelled()
        if self.on_step is not None:
            self.on_step(task, progress)
