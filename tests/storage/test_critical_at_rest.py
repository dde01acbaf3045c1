"""A heart rate over NEWS2's 150 taken during a recorded workout is exercise, not an
emergency: it raises no urgent notice, while the same reading at rest still does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.triage import critical_triage
from storage.ingest.writer import Writer
from storage.vault import Vault
from tests.storage.conftest import import_paths

HR = ('<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" '
      'startDate="{t}" endDate="{t}" value="{v}"/>')
EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-05-01"/>
 {records}
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="45" durationUnit="min"
  sourceName="Watch" startDate="2026-11-20 10:00:00 +0000" endDate="2026-11-20 10:45:00 +0000"/>
</HealthData>
"""
READINGS = [("2026-11-20 09:00:00 +0000", 68),  # before the run
            ("2026-11-20 10:20:00 +0000", 172),  # during it: exercise
            ("2026-11-20 10:44:00 +0000", 181),  # during it, near its end
            ("2026-11-20 15:00:00 +0000", 163),  # hours later, at rest: critical
            ("2026-11-21 03:00:00 +0000", 36)]  # a low one is critical whenever it is


def test_a_workouts_heart_rate_is_not_critical_but_the_same_at_rest_is(
        vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(EXPORT.format(records="\n ".join(HR.format(t=t, v=v) for t, v in READINGS)))
    import_paths(vault, path)
    (patient,) = [r[0] for r in vault.cursor().execute("SELECT id FROM patients").fetchall()]
    critical = vault.measurements.critical(patient_id=patient)
    assert sorted(r.value for r in critical) == [36, 163]
    notice = critical_triage(vault, patient, now=datetime(2026, 11, 25, tzinfo=UTC)).notice
    assert notice is not None and "163" in notice and "172" not in notice and "181" not in notice


def _flags(vault: Vault) -> dict[float, str]:
    rows = vault.cursor().execute(
        "SELECT value, judged_flag FROM observations WHERE healthkit_type = "
        "'HKQuantityTypeIdentifierHeartRate'").fetchall()
    return {float(v): f for v, f in rows}


# The flag each reading must carry everywhere (trend, chart, records): the workout's are
# high (above the 100 a heart rate's reference range ends at), not critical.
FLAGS = {68: "normal", 172: "high", 181: "high", 163: "critical", 36: "critical"}


def test_a_workouts_heart_rate_is_flagged_high_wherever_it_is_listed(
        vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(EXPORT.format(records="\n ".join(HR.format(t=t, v=v) for t, v in READINGS)))
    import_paths(vault, path)
    assert _flags(vault) == FLAGS
    (patient,) = [r[0] for r in vault.cursor().execute("SELECT id FROM patients").fetchall()]
    vault.measurements.rejudge(patient_id=patient)  # judged again: the same flags
    assert _flags(vault) == FLAGS


def test_a_workout_from_a_later_file_excuses_the_readings_it_covers(
        vault: Vault, tmp_path: Path) -> None:
    readings, workout = tmp_path / "readings.xml", tmp_path / "workout.xml"
    no_workout = EXPORT.split(" <Workout")[0] + "</HealthData>\n"
    readings.write_text(no_workout.format(
        records="\n ".join(HR.format(t=t, v=v) for t, v in READINGS)))
    workout.write_text(EXPORT.format(records=""))
    import_paths(vault, readings)
    assert _flags(vault) == FLAGS | {172: "critical", 181: "critical"}
    import_paths(vault, workout, import_id="imp_workout")
    assert _flags(vault) == FLAGS


MOTION_HR = ('<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" '
             'unit="count/min" startDate="{t}" endDate="{t}" value="{v}">\n'
             '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="{m}"/>\n'
             ' </Record>')


@pytest.mark.parametrize("batch", [1, 3, None])  # records at a batch's end keep theirs
def test_a_heart_rate_the_watch_took_while_active_is_not_critical(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int | None) -> None:
    """Apple Watch marks each background heart rate sedentary (1), active (2) or not set
    (0): a fast one while moving is exercise, without a recorded workout."""
    if batch is not None:
        monkeypatch.setattr(Writer, "BATCH", batch)
    readings = [("2026-11-22 08:00:00 +0000", 166, 2),  # running for a bus: active
                ("2026-11-22 12:00:00 +0000", 171, 1),  # sitting: critical
                ("2026-11-22 18:00:00 +0000", 158, 0),  # not set: as at rest
                ("2026-11-22 19:00:00 +0000", 72, 2)]
    no_workout = EXPORT.split(" <Workout")[0] + "</HealthData>\n"
    path = tmp_path / "export.xml"
    path.write_text(no_workout.format(records="\n ".join(
        MOTION_HR.format(t=t, v=v, m=m) for t, v, m in readings)))
    import_paths(vault, path)
    motion = dict(vault.cursor().execute(
        "SELECT value, motion_context FROM observations WHERE healthkit_type = "
        "'HKQuantityTypeIdentifierHeartRate'").fetchall())
    assert motion == {166: "active", 171: "sedentary", 158: None, 72: "active"}
    assert _flags(vault) == {166: "high", 171: "critical", 158: "critical", 72: "normal"}
