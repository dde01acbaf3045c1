"""A heart rate over NEWS2's 150 taken during a recorded workout is exercise, not an
emergency: it raises no urgent notice, while the same reading at rest still does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agents.triage import critical_triage
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
