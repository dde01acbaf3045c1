"""The local model, through the official `ollama` client.

Prose streams token by token (so the UI can show it) and is checked by the numeric
guard; structured answers use Ollama's JSON-schema `format=`. Each call has a timeout
(the client's per-read timeout plus a total deadline checked between chunks), is
retried once on a connection error, a server error, a timeout or invalid JSON, and
stops between chunks when the caller cancels.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import ollama

from agents.guard import unsupported
from agents.llm.base import EngineCancelled, EngineError, LLMEngine, OnToken, Written

RETRYABLE = (ConnectionError, ollama.ResponseError, httpx.TransportError, json.JSONDecodeError,
             EngineError)


class OllamaEngine(LLMEngine):
    def __init__(self, *, host: str, model: str, timeout: float = 60.0,
                 temperature: float = 0.2) -> None:
        self.host = host
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self.name = f"ollama:{model}"
        self._client = ollama.Client(host=host, timeout=timeout)

    # --- what the server has ----------------------------------------------

    def models(self, *, timeout: float = 2.0) -> list[str]:
        """Model names from /api/tags; raises EngineError when the server is not there."""
        try:
            with ollama.Client(host=self.host, timeout=timeout) as client:
                return [str(m.model) for m in client.list().models]
        except (ConnectionError, ollama.ResponseError, httpx.HTTPError) as exc:
            raise EngineError(f"Ollama at {self.host} is not reachable: {exc}") from None

    def available(self, *, timeout: float = 2.0) -> bool:
        """Reachable and the configured model is installed ("llama3.1" means ":latest")."""
        try:
            names = self.models(timeout=timeout)
        except EngineError:
            return False
        wanted = {self.model, f"{self.model}:latest"} if ":" not in self.model else {self.model}
        return bool(wanted & set(names))

    # --- writing ---------------------------------------------------------

    def chat(self, *, system: str, user: str, schema: dict[str, Any] | None = None,
             cancel: threading.Event | None = None, on_token: OnToken | None = None,
             deadline: float | None = None) -> str:
        """The model's whole reply, streamed; one retry on a retryable failure while time
        remains before `deadline`."""
        for attempt in (1, 2):
            try:
                return self._chat_once(system, user, schema, cancel, on_token, deadline)
            except RETRYABLE as exc:
                out_of_time = deadline is not None and time.monotonic() >= deadline
                if attempt == 2 or out_of_time:
                    raise EngineError(f"{self.name} failed: {exc}") from None
        raise AssertionError("unreachable")

    def _chat_once(self, system: str, user: str, schema: dict[str, Any] | None,
                   cancel: threading.Event | None, on_token: OnToken | None,
                   until: float | None = None) -> str:
        deadline = time.monotonic() + self.timeout
        if until is not None:
            deadline = min(deadline, until)
        stream = self._client.chat(
            model=self.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            stream=True, format=schema, options={"temperature": self.temperature},
        )
        parts: list[str] = []
        try:
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    raise EngineCancelled()
                if time.monotonic() > deadline:
                    raise EngineError(f"no complete answer within {self.timeout:g} s")
                token = chunk.message.content or ""
                parts.append(token)
                if on_token is not None and token:
                    on_token(token)
        except httpx.TimeoutException:
            raise EngineError(f"no answer within {self.timeout:g} s") from None
        finally:
            stream.close()  # type: ignore[attr-defined]
        return "".join(parts)

    def write(self, *, system: str, question: str, facts: list[str], template: str,
              cancel: threading.Event | None = None, on_token: OnToken | None = None,
              deadline: float | None = None) -> Written:
        user = (f"Question: {question}\n\nFindings (the only facts and numbers you may use):\n"
                + "\n".join(f"- {f}" for f in facts)
                + "\n\nWrite 2-4 plain sentences for the patient. Answer the question in the "
                "first sentence. Use only numbers that appear in the findings.")
        try:
            text = self.chat(system=system, user=user, cancel=cancel, on_token=on_token,
                             deadline=deadline).strip()
        except EngineError as exc:
            return Written(template, "offline", f"model failed: {exc}")
        if not text:
            return Written(template, "offline", "model returned nothing")
        bad = unsupported(text, [*facts, question])
        if bad:
            return Written(template, "offline",
                           f"model stated numbers not in its findings: {', '.join(bad[:5])}")
        return Written(text, self.name)

    def structured(self, *, system: str, prompt: str, schema: dict[str, Any],
                   cancel: threading.Event | None = None) -> dict[str, Any] | None:
        for attempt in (1, 2):
            try:
                raw = self._chat_once(system, prompt, schema, cancel, None)
                value = json.loads(raw)
                if not isinstance(value, dict):
                    raise EngineError("the model's JSON is not an object")
                return value
            except RETRYABLE:
                if attempt == 2:
                    return None
        return None
