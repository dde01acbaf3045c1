"""The model path: the medical team's Ollama engine reads the message with Ollama's
structured output (a JSON schema), and its answer is normalised into the same
`Understanding` the parser makes (provider names matched against the organization's
providers, dates checked). No model, or an answer that does not fit: the parser decides.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from agents.llm.base import LLMEngine
from app.services.assist.parser import Parser
from app.services.assist.understanding import (
    INTENTS,
    PARTS_OF_DAY,
    ClockTime,
    Entities,
    Understanding,
)

SYSTEM = ("You are the front desk assistant of a medical clinic. Read the patient's message "
          "and return JSON only, following the schema. Use null for anything not said. "
          "Dates are YYYY-MM-DD, times HH:MM (24 h) exactly as said.")
_TEXT = {"type": ["string", "null"]}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": list(INTENTS)},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "provider": _TEXT, "date": _TEXT, "time": _TEXT,
        "part_of_day": {"type": ["string", "null"], "enum": [*PARTS_OF_DAY, None]},
        "reason": _TEXT, "appointment_type": _TEXT,
        "affirmation": {"type": ["boolean", "null"]},
    },
    "required": ["intent", "confidence"],
}


def prompt(message: str, *, parser: Parser, now: datetime) -> str:
    local = now.astimezone(parser.zone)
    names = ", ".join(p.name for p in parser.providers) or "none"
    return (f"Today is {local:%A %Y-%m-%d}, {local:%H:%M} in {parser.zone.key}.\n"
            f"Providers: {names}.\nAppointment types: {', '.join(parser.types)}.\n"
            f"Message: {message}")


def understand(message: str, *, engine: LLMEngine, parser: Parser,
               now: datetime) -> Understanding:
    """The model's reading when it gives a valid one, else the parser's."""
    if engine.is_model:
        raw = engine.structured(system=SYSTEM, prompt=prompt(message, parser=parser, now=now),
                                schema=SCHEMA)
        found = _normalise(raw, parser, engine.name) if raw is not None else None
        if found is not None:
            return found
    return parser.understand(message, now=now)


def _normalise(raw: dict[str, Any], parser: Parser, name: str) -> Understanding | None:
    try:
        intent = str(raw["intent"])
        confidence = float(raw.get("confidence", 0.0))
        when = date.fromisoformat(raw["date"]) if raw.get("date") else None
        clock = _clock(raw.get("time"))
    except (KeyError, TypeError, ValueError):
        return None
    part = raw.get("part_of_day")
    if intent not in INTENTS or not 0 <= confidence <= 1 or part not in (*PARTS_OF_DAY, None):
        return None
    provider, candidates = (parser.provider("dr " + str(raw["provider"]).lower())
                            if raw.get("provider") else (None, ()))
    kind = parser.appointment_type(str(raw["appointment_type"])) \
        if raw.get("appointment_type") else None
    affirmation = raw.get("affirmation")
    entities = Entities(provider=provider, provider_candidates=candidates, date=when,
                        time=clock, part_of_day=part, reason=raw.get("reason") or None,
                        appointment_type=kind)
    return Understanding(intent, round(confidence, 3), entities,
                         affirmation if isinstance(affirmation, bool) else None, engine=name)


def _clock(value: object) -> ClockTime | None:
    """HH:MM from the model; 1-12 o'clock stays as ambiguous as the parser leaves it."""
    if not value:
        return None
    hour_text, minute_text = str(value).split(":")[:2]
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(value)
    if hour >= 13:
        return ClockTime(hour - 12, minute, "pm")
    return ClockTime(hour, minute, "am" if hour == 0 else None)
