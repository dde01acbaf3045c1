"""Nights of sleep from HealthKit's sleep analysis samples.

A phone and a watch both record the same night (the phone "in bed", the watch its
stages), and their samples overlap, so time asleep is the union of the asleep samples of
every source, never their sum. HealthKit's values (HKCategoryValueSleepAnalysis,
https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis):
InBed, Awake, and the asleep ones, AsleepUnspecified (formerly Asleep), AsleepCore,
AsleepDeep, AsleepREM. A night is named by the local day it ends on: sleep that starts
between noon of the day before and noon of that day (a nap in the afternoon belongs to
the next night).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from storage.repos.catalogue import SleepInterval

if TYPE_CHECKING:
    from storage.vault import Vault

ASLEEP = "HKCategoryValueSleepAnalysisAsleep"  # the prefix of every asleep value
IN_BED = "HKCategoryValueSleepAnalysisInBed"
STAGES = {"Core": "core", "Deep": "deep", "REM": "REM", "Unspecified": "unspecified",
          "": "unspecified"}  # what follows ASLEEP, in words


def sleep_stage(value: str) -> str:
    """An asleep value in words ("HKCategoryValueSleepAnalysisAsleepREM": "REM")."""
    rest = value.removeprefix(ASLEEP)
    return STAGES.get(rest, rest.lower())


@dataclass(frozen=True)
class SleepNight:
    night: date  # the local day the night ends on
    asleep_minutes: float  # union of the asleep samples of every source
    in_bed_minutes: float  # union of in-bed and asleep samples
    stages: tuple[tuple[str, float], ...]  # (value, minutes), when one source recorded them
    sources: tuple[str, ...]
    row_ids: tuple[int, ...]


def _night(i: SleepInterval) -> date:
    local = datetime.fromtimestamp(i.start + 60 * i.utc_offset, UTC)
    return (local + timedelta(hours=12)).date()


def _union_minutes(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total / 60


def sleep_nights(vault: Vault, *, patient_id: str) -> tuple[SleepNight, ...]:
    """The person's nights with sleep samples, newest first."""
    by_night: dict[date, list[SleepInterval]] = {}
    for i in vault.catalogue.sleep_intervals(patient_id=patient_id):
        by_night.setdefault(_night(i), []).append(i)
    nights = []
    for night, samples in by_night.items():
        asleep = [s for s in samples if s.value.startswith(ASLEEP)]
        sources = tuple(dict.fromkeys(s.source or "unnamed source" for s in samples))
        stages: dict[str, float] = {}
        if len({s.source for s in asleep}) == 1:
            for s in asleep:
                stages[s.value] = stages.get(s.value, 0.0) + (s.end - s.start) / 60
        nights.append(SleepNight(
            night, _union_minutes([(s.start, s.end) for s in asleep]),
            _union_minutes([(s.start, s.end) for s in samples
                            if s.value == IN_BED or s.value.startswith(ASLEEP)]),
            tuple(sorted(stages.items(), key=lambda kv: -kv[1])), sources,
            tuple(s.row_id for s in samples)))
    return tuple(sorted(nights, key=lambda n: n.night, reverse=True))
