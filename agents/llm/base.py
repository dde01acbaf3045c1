"""One small interface for the engines that write prose: a local model or templates.

Numbers never come from an engine. `write` gets the templated facts (the findings'
sentences) and a template answer; the offline engine returns the template, a model
engine returns its own prose only if every number in it is among the facts (see
agents/guard.py), else the template. `structured` asks for JSON matching a schema;
the offline engine has none to give and returns None, so callers use their rules.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OnToken = Callable[[str], None]


class EngineError(Exception):
    """The model could not answer (unreachable, timed out, invalid output)."""


class EngineCancelled(Exception):
    """The caller cancelled while the model was writing."""


@dataclass(frozen=True)
class Written:
    text: str
    engine: str  # "ollama:<model>" or "offline": who actually wrote `text`
    fallback_reason: str | None = None


class LLMEngine(ABC):
    name: str

    @property
    def is_model(self) -> bool:
        return self.name != "offline"

    @abstractmethod
    def write(self, *, system: str, question: str, facts: list[str], template: str,
              cancel: threading.Event | None = None, on_token: OnToken | None = None,
              deadline: float | None = None) -> Written:
        """Prose about `facts` answering `question`; `template` when no model can do it
        (or when it cannot finish before `deadline`, a time.monotonic() value)."""

    @abstractmethod
    def structured(self, *, system: str, prompt: str, schema: dict[str, Any],
                   cancel: threading.Event | None = None) -> dict[str, Any] | None:
        """A JSON object following `schema`, or None when this engine has no model."""
