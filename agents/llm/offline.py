"""The engine that needs no model: the templated prose is the answer, always the same for
the same findings."""

from __future__ import annotations

import threading
from typing import Any

from agents.llm.base import LLMEngine, OnToken, Written


class OfflineEngine(LLMEngine):
    name = "offline"

    def write(self, *, system: str, question: str, facts: list[str], template: str,
              cancel: threading.Event | None = None, on_token: OnToken | None = None,
              deadline: float | None = None) -> Written:
        del system, question, facts, cancel, deadline
        if on_token is not None:
            on_token(template)
        return Written(template, self.name)

    def structured(self, *, system: str, prompt: str, schema: dict[str, Any],
                   cancel: threading.Event | None = None) -> dict[str, Any] | None:
        del system, prompt, schema, cancel
        return None
