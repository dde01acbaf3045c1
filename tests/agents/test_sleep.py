"""Sleep from an Apple Health export: time asleep is the union of every device's asleep
samples (a phone and a watch record the same night), stages only when one device
recorded them, and the night is the local day it ends on. Asked offline through the
CLI, as a user asks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agents import tools
from storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.storage.conftest import import_paths

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ('<Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="{src}" '
          'startDate="{start} +0100" endDate="{end} +0100" '
          'value="HKCategoryValueSleepAnalysis{value}"/>')
WATCH = [("2026-11-10 23:30:00", "2026-11-11 02:00:00", "AsleepCore"),  # 150 min
         ("2026-11-11 02:00:00", "2026-11-11 03:00:00", "AsleepDeep"),  # 60
         ("2026-11-11 03:00:00", "2026-11-11 03:10:00", "Awake"),
         ("2026-11-11 03:10:00", "2026-11-11 04:00:00", "AsleepREM"),  # 50
         ("2026-11-11 04:00:00", "2026-11-11 06:30:00", "AsleepCore"),  # 150
         # the night before: 22:45 to 04:45, on the same watch
         ("2026-11-09 22:45:00", "2026-11-10 04:45:00", "AsleepCore")]  # 360
PHONE = [("2026-11-10 23:00:00", "2026-11-11 07:00:00", "InBed")]


def export(tmp_path: Path, phone_asleep: bool) -> Path:
    phone = PHONE + ([("2026-11-11 05:00:00", "2026-11-11 06:45:00", "AsleepUnspecified")]
                     if phone_asleep else [])
    records = [SAMPLE.format(src=src, start=a, end=b, value=v)
               for src, samples in (("Watch", WATCH), ("iPhone", phone)) for a, b, v in samples]
    path = tmp_path / "export.xml"
    path.write_text("<HealthData>\n" + "\n".join(records) + "\n</HealthData>\n")
    return path


def test_a_night_is_the_union_of_its_devices_asleep_time(vault: Vault, tmp_path: Path) -> None:
    import_paths(vault, export(tmp_path, phone_asleep=True))
    (patient,) = [r[0] for r in vault.cursor().execute("SELECT id FROM patients").fetchall()]
    last, before = tools.sleep_nights(vault, patient_id=patient)
    assert str(last.night) == "2026-11-11" and str(before.night) == "2026-11-10"
    # watch 23:30-03:00 and 03:10-06:30 (410 min), the phone's 05:00-06:45 adds 15 min
    assert round(last.asleep_minutes) == 425
    assert round(last.in_bed_minutes) == 480  # in bed 23:00-07:00 covers it all
    assert last.stages == ()  # two devices said asleep: whose stages would be a guess
    assert round(before.asleep_minutes) == 360


def test_asked_how_they_sleep_the_answer_gives_hours_and_stages(vault_home: Path,
                                                                 tmp_path: Path) -> None:
    with Vault.open(vault_home, passphrase=PASSPHRASE) as vault:
        import_paths(vault, export(tmp_path, phone_asleep=False))
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(vault_home),
           "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "app.cli", "ask", "--offline",
                           "How much am I sleeping?"], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    first = done.stdout.splitlines()[0]
    assert "6 h 50 min asleep in the night ending 2026-11-11" in first, first
    assert "(core 5 h 0 min, deep 1 h 0 min, REM 50 min)" in first, first
    # (410 + 360) / 2 = 385 min
    assert "you slept 6 h 25 min a night on average" in first, first
