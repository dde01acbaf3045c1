"""Which engine answers: `offline`, `ollama`, or `auto` (Ollama when it is reachable and
has the model, else offline). The probe is cached briefly so a burst of questions does
not knock on a closed port each time, and one engine (one HTTP connection pool) is kept
per host and model."""

from __future__ import annotations

import threading
import time

from agents.llm.base import LLMEngine
from agents.llm.offline import OfflineEngine
from agents.llm.ollama_engine import OllamaEngine

PROBE_TTL_SECONDS = 30.0
_probes: dict[tuple[str, str], tuple[float, bool]] = {}
_engines: dict[tuple[str, str, float], OllamaEngine] = {}
_lock = threading.Lock()


def select_engine(*, mode: str, host: str, model: str, timeout: float,
                  offline: bool = False) -> LLMEngine:
    if offline or mode == "offline":
        return OfflineEngine()
    with _lock:
        engine = _engines.get((host, model, timeout))
        if engine is None:
            engine = _engines[(host, model, timeout)] = OllamaEngine(host=host, model=model,
                                                                     timeout=timeout)
    if mode == "ollama":
        return engine
    key = (host, model)
    with _lock:
        cached = _probes.get(key)
    if cached is not None and time.monotonic() - cached[0] < PROBE_TTL_SECONDS:
        ok = cached[1]
    else:
        ok = engine.available()
        with _lock:
            _probes[key] = (time.monotonic(), ok)
    return engine if ok else OfflineEngine()


def forget_probes() -> None:
    """Drop cached reachability answers (tests start and stop servers)."""
    with _lock:
        _probes.clear()
