"""The assistant's model path against the Ollama-protocol stand-in: for clear requests
the model's structured reading and the deterministic parser's lead to the same
understanding (so the chat offers the same actions); a broken answer falls back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from agents.llm import OfflineEngine, OllamaEngine
from app.services.assist.model_parse import SCHEMA, understand
from app.services.assist.parser import Parser
from app.services.assist.understanding import ProviderRef, Understanding
from tests.agents.ollama_standin import Reply, standin

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Tuesday 10:00 in Los Angeles
PARSER = Parser(providers=[ProviderRef("p-smith", "Dr. John Smith"),
                           ProviderRef("p-jones", "Dr. Sarah Jones")],
                timezone="America/Los_Angeles")
NULLS = {"provider": None, "date": None, "time": None, "part_of_day": None, "reason": None,
         "appointment_type": None, "affirmation": None}
# what a model reading these messages answers (the stand-in plays the model)
READINGS: dict[str, dict[str, Any]] = {
    "I need an appointment with Dr. Smith next Tuesday afternoon": {
        "intent": "appointment_booking", "provider": "Smith", "date": "2026-12-08",
        "part_of_day": "afternoon"},
    "the 2:30 one": {"intent": "appointment_booking", "time": "14:30"},
    "yes": {"intent": "general", "affirmation": True},
    "Please cancel my appointment with Dr. Jones": {"intent": "cancel", "provider": "Jones"},
    "Can I reschedule to Thursday at 10am?": {"intent": "reschedule", "date": "2026-12-03",
                                             "time": "10:00"},
}


def _model(body: dict[str, Any]) -> Reply:
    assert body["format"] == SCHEMA
    message = body["messages"][-1]["content"].rsplit("Message: ", 1)[1]
    reading = READINGS.get(message)
    if reading is None:
        return Reply(chunks=["not json"])
    return Reply(chunks=[json.dumps({**NULLS, "confidence": 0.9, **reading})])


GRID = [f"{h:02d}:{m:02d}" for h in range(7, 19) for m in (0, 30)]  # a clinic day's slots


def _same(a: Understanding, b: Understanding) -> bool:
    """Equal in what the chat acts on: intent, provider, date, part of day, and the
    slots of a clinic day that the time picks (who wrote it and how sure aside)."""
    def key(u: Understanding) -> tuple[Any, ...]:
        e = u.entities
        slots = [s for s in GRID if e.time.matches(s)] if e.time else None
        intent = "general" if u.affirmation is not None else u.intent
        return intent, u.affirmation, e.provider, e.date, e.part_of_day, slots
    return key(a) == key(b)


@pytest.mark.parametrize("message", list(READINGS))
def test_model_and_parser_agree_on_clear_requests(message: str) -> None:
    with standin(_model) as server:
        engine = OllamaEngine(host=server.host, model="llama3.1:8b", timeout=5)
        by_model = understand(message, engine=engine, parser=PARSER, now=NOW)
    by_rules = understand(message, engine=OfflineEngine(), parser=PARSER, now=NOW)
    assert by_model.engine == "ollama:llama3.1:8b" and by_rules.engine == "rules"
    assert _same(by_model, by_rules), (by_model, by_rules)


def test_an_answer_that_does_not_fit_falls_back_to_the_parser() -> None:
    bad = {**NULLS, "intent": "appointment_booking", "confidence": 0.9, "date": "next tuesday"}
    with standin(lambda body: Reply(chunks=[json.dumps(bad)])) as server:
        engine = OllamaEngine(host=server.host, model="llama3.1:8b", timeout=5)
        got = understand("book Dr. Smith on Friday", engine=engine, parser=PARSER, now=NOW)
    assert got.engine == "rules" and got.entities.date == date(2026, 12, 4)
