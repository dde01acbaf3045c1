"""The assistant's deterministic parser: intents, fuzzy provider names, dates relative to
an injected "now" in the organization's zone, clock times, reasons and types."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.services.assist.parser import Parser
from app.services.assist.understanding import ClockTime, ProviderRef

SMITH = ProviderRef("p-smith", "Dr. John Smith")
JONES = ProviderRef("p-jones", "Dr. Sarah Jones")
# Tuesday 2026-12-01 10:00 in Los Angeles (18:00 UTC)
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def parser() -> Parser:
    return Parser(providers=[SMITH, JONES], timezone="America/Los_Angeles")


def test_the_documents_request(parser: Parser) -> None:
    got = parser.understand("I need an appointment with Dr. Smith next Tuesday afternoon",
                            now=NOW)
    assert got.intent == "appointment_booking" and got.confidence >= 0.9
    assert got.entities.provider == SMITH
    assert got.entities.date == date(2026, 12, 8)
    assert got.entities.part_of_day == "afternoon" and got.entities.time is None


@pytest.mark.parametrize(("message", "intent"), [
    ("Please cancel my appointment on Friday", "cancel"),
    ("Can I reschedule to Thursday at 10am?", "reschedule"),
    ("Does Dr. Jones have any availability tomorrow?", "check_availability"),
    ("What are your visiting hours?", "clinic_information"),
    ("Where do I park?", "clinic_information"),
    ("Tell me a joke", "general"),
])
def test_intents(parser: Parser, message: str, intent: str) -> None:
    assert parser.understand(message, now=NOW).intent == intent


def test_dates_in_the_organizations_zone(parser: Parser) -> None:
    late = datetime(2026, 12, 2, 6, 30, tzinfo=UTC)  # still Tuesday 22:30 in Los Angeles
    assert parser.understand("book me tomorrow", now=late).entities.date == date(2026, 12, 2)
    berlin = Parser(providers=[SMITH], timezone="Europe/Berlin")
    assert berlin.understand("book me tomorrow", now=late).entities.date == date(2026, 12, 3)
    assert parser.understand("on December 15 please", now=NOW).entities.date == date(2026, 12, 15)


def test_clock_times(parser: Parser) -> None:
    assert parser.understand("the 2:30 one", now=NOW).entities.time == ClockTime(2, 30, None)
    assert parser.understand("the 2:30 one", now=NOW).entities.date is None
    moved = parser.understand("move it to Thursday at 10am", now=NOW).entities
    assert moved.time == ClockTime(10, 0, "am") and moved.date == date(2026, 12, 3)
    assert parser.understand("at 14:00", now=NOW).entities.time.label() == "14:00"
    assert parser.understand("I have 2 kids", now=NOW).entities.time is None
    assert ClockTime(2, 30).matches("14:30") and not ClockTime(2, 30, "am").matches("14:30")


def test_fuzzy_and_ambiguous_names() -> None:
    smiths = [SMITH, ProviderRef("p-smith2", "Dr. Anna Smith")]
    parser = Parser(providers=[*smiths, JONES], timezone="UTC")
    assert parser.understand("see dr smyth", now=NOW).entities.provider is None
    assert set(parser.understand("see dr smyth", now=NOW).entities.provider_candidates) == set(
        smiths)
    assert parser.understand("with Dr. Jnoes", now=NOW).entities.provider == JONES
    assert parser.understand("with Anna Smith", now=NOW).entities.provider == smiths[1]
    assert parser.understand("next week", now=NOW).entities.provider is None


def test_reason_type_and_yes_no(parser: Parser) -> None:
    got = parser.understand("I'd like a follow-up appointment for back pain next Monday",
                            now=NOW)
    assert got.entities.reason == "back pain"
    assert got.entities.appointment_type == "follow_up"  # the scheduler's default type
    assert parser.understand("yes please", now=NOW).affirmation is True
    assert parser.understand("no, not that one", now=NOW).affirmation is False
    assert parser.understand("the 2:30 one", now=NOW).affirmation is None
