"""Scheduling rules from the organization's stored settings: defaults and type buffers."""

from __future__ import annotations

from datetime import timedelta

from app.services.clinic.scheduling.rules import rules_of


def test_defaults_when_nothing_is_set() -> None:
    rules = rules_of({})
    assert (rules.slot_interval_minutes, rules.hold_minutes, rules.late_cancel_hours) == \
        (30, 5, 24)
    assert rules.buffers("consultation") == (timedelta(0), timedelta(0))
    assert rules.appointment_type(None).name == "consultation"  # type: ignore[union-attr]
    assert rules.appointment_type("no_such_type") is None


def test_a_type_s_buffers_override_the_organization_s() -> None:
    rules = rules_of({"scheduling": {
        "bufferBeforeMinutes": 5, "bufferAfterMinutes": 10, "holdMinutes": 7,
        "appointmentTypes": [
            {"name": "consultation", "durationMinutes": 30},
            {"name": "procedure", "durationMinutes": 90, "bufferAfterMinutes": 30},
        ]}})
    assert rules.buffers("consultation") == (timedelta(minutes=5), timedelta(minutes=10))
    assert rules.buffers("procedure") == (timedelta(minutes=5), timedelta(minutes=30))
    assert rules.appointment_type("procedure").duration_minutes == 90  # type: ignore[union-attr]
    assert rules.hold == timedelta(minutes=7)
