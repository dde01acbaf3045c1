"""Ingest benchmark: a generated Apple Health export.xml, three importers, one JSON report.

    .venv/bin/python tests/perf/ingest.py [--records N] [--shuffle] [--keep DIR]

Generates export.xml with N Records (default 1,000,000: a realistic mix of HealthKit
types, several sources, duplicates from a second source, blood pressure correlations,
metadata children, dates over 8 years), then measures, each in a child process so its
peak RSS can be read: our import as a user runs it (a whole `healthinsight import`
process into a fresh encrypted vault), healthkit-to-sqlite (install it with
`.venv/bin/pip install healthkit-to-sqlite`; it is not a project dependency, and that
part is skipped with a note when it is absent), and a bare lxml iterparse pass that only
reads each Record's attributes (the floor); then the first question asked after the
import (`healthinsight ask --offline`, a process of its own). Also times the import of
all of ../shared/testdata/fhir_r4_synthea. Targets: >= 5x faster than healthkit-to-sqlite,
<= 2x the bare parse, peak RSS < 200 MB, Synthea < 2 s.

`--shuffle` measures the same records twice, in time order and in random time order
(merged exports and third-party tools write them so), and reports both side by side
with each order's own bare parse; the targets then hold for both.
The machine's load average is printed too: on a shared box the timings move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT.parent / "shared" / "testdata"
PY = sys.executable
FIRST_QUESTION = "How has my heart rate changed over the last year?"

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


def generate(path: Path, n: int, seed: int = 7, *, shuffle: bool = False) -> None:
    """`n` Records in time order, or with `shuffle` the same kind of records at the same
    instants in random order."""
    rng = random.Random(seed)
    kinds = [t for t in TYPES for _ in range(t[3])]
    tz = [timezone(timedelta(hours=h)) for h in (-7, -4, 1, 2)]
    start = datetime(2016, 1, 1, tzinfo=tz[0])
    step = (8 * 365 * 86400) / n
    slots = list(range(n))
    if shuffle:
        random.Random(seed + 1).shuffle(slots)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        while written < n:
            slot = slots[written]
            t = (start + timedelta(seconds=slot * step)).astimezone(tz[(slot // 50000) % 4])
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


CREATE = """
import sys
from pathlib import Path
from storage.vault import Vault
Vault.create(Path(sys.argv[1]), passphrase="bench", use_keyring=False, scrypt_n=2**12).close()
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


def child(args: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run a child; its JSON output, wall seconds and peak RSS in MB (via wait4)."""
    with tempfile.TemporaryFile(dir=ROOT) as out_f, tempfile.TemporaryFile(dir=ROOT) as err_f:
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out_f, stderr=err_f, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = status
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read().decode(), err_f.read().decode()
    if status != 0:
        raise RuntimeError(f"{args[:3]} failed: {err[-2000:]}")
    start = out.find("{")
    data = json.loads(out[start:]) if start >= 0 else {}
    data["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return data, wall


def cli_env(vault: Path) -> dict[str, str]:
    return {**os.environ, "HEALTHINSIGHT_HOME": str(vault), "HEALTHINSIGHT_PASSPHRASE": "bench",
            "PYTHONPATH": str(ROOT)}


def ours(vault: Path, paths: list[Path]) -> dict[str, Any]:
    """`healthinsight import --json` in a process of its own, as a user runs it (module
    loading and the vault's open and close included); its wall time and peak RSS."""
    child([PY, "-c", CREATE, str(vault)])
    result, wall = child([PY, "-m", "app.cli", "import", "--json", *map(str, paths)],
                         cli_env(vault))
    summary = result["summary"]
    return {"seconds": round(wall, 2), "status": result["status"],
            "total_records": summary["total_records"], "errors": summary["errors"],
            "peak_rss_mb": result["peak_rss_mb"]}


def one_order(work: Path, records: int, shuffle: bool) -> dict[str, Any]:
    """Generate, import and bare-parse one file; the numbers of that order."""
    export = work / f"export-{records}-{'random' if shuffle else 'time'}.xml"
    t = time.perf_counter()
    if not export.exists():  # a kept folder's file of the same count and order is reused
        generate(export, records, shuffle=shuffle)
    report: dict[str, Any] = {"order": "random" if shuffle else "time",
                              "file_mb": round(export.stat().st_size / 2**20, 1),
                              "generate_seconds": round(time.perf_counter() - t, 1)}
    shutil.rmtree(work / "vault", ignore_errors=True)
    mine = ours(work / "vault", [export])
    report["ours"] = {**mine, "records_per_second": round(records / mine["seconds"])}
    # the first question after the import, as a process of its own: work an import left
    # for later (judging its readings) would show here
    answer, wall = child([PY, "-m", "app.cli", "ask", "--offline", "--json", FIRST_QUESTION],
                         cli_env(work / "vault"))
    report["first_question"] = {"seconds": round(wall, 2), "peak_rss_mb": answer["peak_rss_mb"]}
    bare, _ = child([PY, "-c", BARE, str(export)])
    report["bare_iterparse"] = {"seconds": round(bare["seconds"], 2),
                                "peak_rss_mb": bare["peak_rss_mb"]}
    report["ours_vs_bare_parse"] = round(mine["seconds"] / bare["seconds"], 2)
    report["export"] = export
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--shuffle", action="store_true",
                        help="also import the records in random time order, side by side")
    parser.add_argument("--keep", type=Path, help="folder for the generated files (kept)")
    parser.add_argument("--skip-healthkit-to-sqlite", action="store_true")
    args = parser.parse_args()
    # inside the project, not the system's temporary folder (nothing of a vault goes there)
    work = args.keep or ROOT / "tmp" / f"bench-ingest-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    for old in ("vault", "vault_synthea"):  # a kept folder's vaults from an earlier run
        shutil.rmtree(work / old, ignore_errors=True)
    orders = [one_order(work, args.records, False)]
    if args.shuffle:
        orders.append(one_order(work, args.records, True))
    export = orders[0].pop("export")
    for order in orders[1:]:
        order.pop("export")
    report: dict[str, Any] = {"records": args.records, "orders": orders}
    tool = shutil.which("healthkit-to-sqlite", path=str(Path(PY).parent))
    if tool and not args.skip_healthkit_to_sqlite:
        db = work / "healthkit.db"
        db.unlink(missing_ok=True)
        hk, wall = child([tool, "--xml", "--silent", str(export), str(db)])
        report["healthkit_to_sqlite"] = {"seconds": round(wall, 2),
                                         "peak_rss_mb": hk["peak_rss_mb"]}
        report["speedup_vs_healthkit_to_sqlite"] = round(
            wall / orders[0]["ours"]["seconds"], 2)
    else:
        report["healthkit_to_sqlite"] = ("skipped: install it with `.venv/bin/pip install "
                                         "healthkit-to-sqlite` (not a project dependency)")
    report["fhir_r4_synthea"] = ours(work / "vault_synthea", [TESTDATA / "fhir_r4_synthea"])
    report["load_average_1m"] = round(os.getloadavg()[0], 2)  # noisy box?
    targets: dict[str, Any] = {
        "speedup_vs_healthkit_to_sqlite >= 5": report.get("speedup_vs_healthkit_to_sqlite"),
        "fhir_r4_synthea_seconds < 2": report["fhir_r4_synthea"]["seconds"]}
    for order in orders:
        targets[f"{order['order']} order: ours_vs_bare_parse <= 2"] = order["ours_vs_bare_parse"]
        targets[f"{order['order']} order: peak_rss_mb < 200"] = order["ours"]["peak_rss_mb"]
    report["targets"] = targets
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
