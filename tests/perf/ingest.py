"""Ingest benchmark: a generated Apple Health export.xml, three importers, one JSON report.

    .venv/bin/python tests/perf/ingest.py [--records N] [--keep DIR]

Generates export.xml with N Records (default 1,000,000: a realistic mix of HealthKit
types, several sources, duplicates from a second source, blood pressure correlations,
metadata children, dates over 8 years), then measures, each in a child process so its
peak RSS can be read: our import (ImportService into a fresh encrypted vault),
healthkit-to-sqlite (install it with `.venv/bin/pip install healthkit-to-sqlite`; it is
not a project dependency, and that part is skipped with a note when it is absent), and
a bare lxml iterparse pass that only reads each Record's attributes (the floor). Also
times the import of all of ../shared/testdata/fhir_r4_synthea. Targets: >= 5x faster than
healthkit-to-sqlite, <= 2x the bare parse, peak RSS < 200 MB, Synthea < 2 s.
The machine's load average is printed too: on a shared box the timings move with it.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT.parent / "shared" / "testdata"
PY = sys.executable

TYPES = [  # (HealthKit type, unit, value range, weight)
    ("HKQuantityTypeIdentifierHeartRate", "count/min", (48, 170), 40),
    ("HKQuantityTypeIdentifierStepCount", "count", (5, 2400), 22),
    ("HKQuantityTypeIdentifierActiveEnergyBurned", "kcal", (0.1, 40), 14),
    ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", (0.01, 2.5), 8),
    ("HKQuantityTypeIdentifierBasalEnergyBurned", "kcal", (0.5, 3), 4),
    ("HKQuantityTypeIdentifierOxygenSaturation", "%", (0.91, 1.0), 3),
    ("HKQuantityTypeIdentifierRespiratoryRate", "count/min", (11, 22), 2),
    ("HKQuantityTypeIdentifierBodyMass", "lb", (150, 190), 1),
    ("HKQuantityTypeIdentifierBloodGlucose", "mg/dL", (70, 180), 1),
    ("HKCategoryTypeIdentifierSleepAnalysis", None, None, 4),
]
SOURCES = [("Apple Watch", "10.2"), ("iPhone", "17.1"), ("Withings", "6.2.1")]
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-06-01 08:10:05 +0200"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-05-20"
  HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S %z")


def generate(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    kinds = [t for t in TYPES for _ in range(t[3])]
    tz = [timezone(timedelta(hours=h)) for h in (-7, -4, 1, 2)]
    start = datetime(2016, 1, 1, tzinfo=tz[0])
    step = (8 * 365 * 86400) / n
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        while written < n:
            t = (start + timedelta(seconds=written * step)).astimezone(tz[(written // 50000) % 4])
            if rng.random() < 0.01 and written + 4 <= n:  # blood pressure: correlation + top level
                s, d, src = rng.randint(100, 150), rng.randint(60, 95), SOURCES[2]
                attrs = (f'sourceName="{src[0]}" sourceVersion="{src[1]}" unit="mmHg" '
                         f'creationDate="{_fmt(t)}" startDate="{_fmt(t)}" endDate="{_fmt(t)}"')
                recs = (f'  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" {attrs} '
                        f'value="{s}"/>\n  <Record type="HKQuantityTypeIdentifierBloodPressure'
                        f'Diastolic" {attrs} value="{d}"/>\n')
                out.write(recs)
                out.write(f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
                          f'sourceName="{src[0]}" creationDate="{_fmt(t)}" startDate="{_fmt(t)}" '
                          f'endDate="{_fmt(t)}">\n{recs} </Correlation>\n')
                written += 4
                continue
            hk, unit, span, _ = rng.choice(kinds)
            end = t + timedelta(seconds=rng.choice((0, 60, 300)))
            if span is None:
                value, unit_attr = "HKCategoryValueSleepAnalysisAsleepCore", ""
                end = t + timedelta(minutes=rng.randint(5, 90))
            else:
                value = f"{rng.uniform(*span):.4g}"
                unit_attr = f' unit="{unit}"'
            src = rng.choice(SOURCES[:2])
            attrs = (f'type="{hk}" sourceName="{src[0]}" sourceVersion="{src[1]}" '
                     f'device="&lt;&lt;HKDevice: 0x3012772a0&gt;, name:{src[0]}&gt;"{unit_attr} '
                     f'creationDate="{_fmt(end)}" startDate="{_fmt(t)}" endDate="{_fmt(end)}" '
                     f'value="{value}"')
            if hk.endswith("HeartRate"):
                out.write(f' <Record {attrs}>\n  <MetadataEntry key="HKMetadataKeyHeart'
                          f'RateMotionContext" value="0"/>\n </Record>\n')
            else:
                out.write(f" <Record {attrs}/>\n")
            written += 1
            if rng.random() < 0.02 and written < n:  # the same reading from a second source
                out.write(f' <Record {attrs.replace(src[0], "Health Mate", 1)}/>\n')
                written += 1
        out.write("</HealthData>\n")


OURS = """
import sys, time
from pathlib import Path
from app.services.imports import ImportService
from app.settings import Settings
from storage.vault import Vault
home = Path(sys.argv[1])
vault = Vault.create(home, passphrase="bench", use_keyring=False, scrypt_n=2**12)
service = ImportService(vault, Settings(home=home))
t = time.perf_counter()
result = service.run([Path(p) for p in sys.argv[2:]])
elapsed = time.perf_counter() - t
service.close(); vault.close()
import json
print(json.dumps({"seconds": elapsed, "status": result["status"],
                  "total_records": result["summary"]["total_records"],
                  "errors": result["summary"]["errors"]}))
"""

BARE = """
import sys, time, json
from lxml import etree
t = time.perf_counter()
n = 0
for _, el in etree.iterparse(sys.argv[1], events=("end",), tag="Record"):
    a = (el.get("type"), el.get("sourceName"), el.get("unit"), el.get("value"),
         el.get("startDate"), el.get("endDate"), el.get("creationDate"))
    n += 1
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None and parent.getparent() is None:
        while el.getprevious() is not None:
            del parent[0]
print(json.dumps({"seconds": time.perf_counter() - t, "records": n}))
"""


def child(args: list[str]) -> tuple[dict[str, object], float]:
    """Run a child; its JSON output, wall seconds and peak RSS in MB (via wait4)."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = __import__("os").wait4(proc.pid, 0)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    wall = time.perf_counter() - t
    if status != 0:
        raise RuntimeError(f"{args[:3]} failed: {err[-2000:]}")
    last = out.strip().splitlines()[-1] if out.strip() else "{}"
    data = json.loads(last) if last.startswith("{") else {}
    data["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return data, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder for the generated file (kept)")
    parser.add_argument("--skip-healthkit-to-sqlite", action="store_true")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="hi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for old in ("vault", "vault_synthea"):  # a kept folder's vaults from an earlier run
        shutil.rmtree(work / old, ignore_errors=True)
    export = work / "export.xml"
    t = time.perf_counter()
    generate(export, args.records)
    report: dict[str, object] = {"records": args.records,
                                 "file_mb": round(export.stat().st_size / 2**20, 1),
                                 "generate_seconds": round(time.perf_counter() - t, 1)}
    ours, _ = child([PY, "-c", OURS, str(work / "vault"), str(export)])
    report["ours"] = {**ours, "records_per_second": round(args.records / ours["seconds"])}
    bare, _ = child([PY, "-c", BARE, str(export)])
    report["bare_iterparse"] = bare
    report["ours_vs_bare_parse"] = round(ours["seconds"] / bare["seconds"], 2)
    tool = shutil.which("healthkit-to-sqlite", path=str(Path(PY).parent))
    if tool and not args.skip_healthkit_to_sqlite:
        db = work / "healthkit.db"
        db.unlink(missing_ok=True)
        hk, wall = child([tool, "--xml", "--silent", str(export), str(db)])
        report["healthkit_to_sqlite"] = {"seconds": round(wall, 2),
                                         "peak_rss_mb": hk["peak_rss_mb"]}
        report["speedup_vs_healthkit_to_sqlite"] = round(wall / ours["seconds"], 2)
    else:
        report["healthkit_to_sqlite"] = ("skipped: install it with `.venv/bin/pip install "
                                         "healthkit-to-sqlite` (not a project dependency)")
    synthea, _ = child([PY, "-c", OURS, str(work / "vault_synthea"),
                        str(TESTDATA / "fhir_r4_synthea")])
    report["fhir_r4_synthea"] = synthea
    report["load_average_1m"] = round(__import__("os").getloadavg()[0], 2)  # noisy box?
    report["targets"] = {
        "speedup_vs_healthkit_to_sqlite >= 5": report.get("speedup_vs_healthkit_to_sqlite"),
        "ours_vs_bare_parse <= 2": report["ours_vs_bare_parse"],
        "peak_rss_mb < 200": ours["peak_rss_mb"],
        "fhir_r4_synthea_seconds < 2": round(float(synthea["seconds"]), 2),
    }
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
