"""Scheduling rules from the organization's settings: defaults, types, clear errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.clinic.scheduling.rules import parse_rules
from app.services.errors import ValidationFailed


def test_defaults_when_nothing_is_set() -> None:
    rules = parse_rules(None)
    assert (rules.slot_interval_minutes, rules.hold_minutes, rules.late_cancel_hours) == \
        (30, 5, 24)
    assert rules.buffers("consultation") == (timedelta(0), timedelta(0))
    assert rules.appointment_type(None).name == "consultation"  # type: ignore[union-attr]


def test_a_type_s_buffers_override_the_organization_s() -> None:
    rules = parse_rules({
        "bufferBeforeMinutes": 5, "bufferAfterMinutes": 10,
        "appointmentTypes": [
            {"name": "consultation", "durationMinutes": 30},
            {"name": "procedure", "durationMinutes": 90, "bufferAfterMinutes": 30},
        ]})
    assert rules.buffers("consultation") == (timedelta(minutes=5), timedelta(minutes=10))
    assert rules.buffers("procedure") == (timedelta(minutes=5), timedelta(minutes=30))
    assert rules.appointment_type("procedure").duration_minutes == 90  # type: ignore[union-attr]
    assert rules.to_json()["appointmentTypes"][1]["bufferAfterMinutes"] == 30


@pytest.mark.parametrize(("raw", "field"), [
    ({"slotIntervalMinutes": 0}, "scheduling.slotIntervalMinutes"),
    ({"holdMinutes": "soon"}, "scheduling.holdMinutes"),
    ({"slotInterval": 30}, "scheduling.slotInterval"),
    ({"appointmentTypes": [{"name": "x"}]}, "scheduling.appointmentTypes.0.durationMinutes"),
    ({"slotIntervalMinutes": 7}, "scheduling"),
])
def test_bad_rules_name_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_rules(raw)
    assert field in [d["field"] for d in caught.value.details]
