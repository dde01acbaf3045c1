"""`healthinsight import FILE...`, `healthinsight patients`, `healthinsight records`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.common import add_command, print_json
from app.context import AppContext
from app.services.records import TIME_BASIS_NOTES, Record, RecordsService


def register(sub: argparse._SubParsersAction) -> None:
    imp = add_command(sub, "import", help="import health record files or folders (FHIR, Apple "
                      "Health, C-CDA, Synthea CSV, insight JSON)", handler=import_)
    imp.add_argument("files", nargs="+", metavar="FILE", type=Path)
    imp.add_argument("--json", action="store_true", help="print the import status as JSON")
    imp.add_argument("--org", metavar="SLUG", help="with --patient: the clinic organization")
    imp.add_argument("--patient", metavar="MRN", help="import the files as this clinic "
                     "patient's records (medical record number in --org)")
    pats = add_command(sub, "patients", help="list patients and their record counts",
                       handler=patients)
    pats.add_argument("--json", action="store_true", help="print JSON")
    recs = add_command(sub, "records", help="list a patient's normalized records",
                       handler=records)
    recs.add_argument("--patient", help="patient id (optional with one patient)")
    recs.add_argument("--code", help="a code, e.g. LOINC 2093-3")
    recs.add_argument("--category", help="laboratory, vital-signs, activity, ...")
    recs.add_argument("--since", help="only records on or after this date (YYYY-MM-DD)")
    recs.add_argument("--limit", type=int, help="at most this many records")
    recs.add_argument("--json", action="store_true", help="print a JSON array")


def import_(args: argparse.Namespace, ctx: AppContext) -> int:
    if bool(args.org) != bool(args.patient):
        print("healthinsight: --org and --patient go together", file=sys.stderr)
        return 1
    if args.patient:
        from app.commands.clinic import clinic_import

        result = clinic_import(ctx, args.files, slug=args.org, mrn=args.patient)
        if result is None:
            return 1
    else:
        result = ctx.imports.run(args.files)
    summary = result.summary
    if args.json:
        print_json(result.wire())
    else:
        print(f"{result.import_id}: {result.status}, {summary.total_records} new "
              f"records in {summary.import_duration_seconds} s")
        for kind, count in summary.records_by_type.items():
            if count:
                print(f"  {kind:<20} {count}")
        span = summary.date_range
        if span.start:
            print(f"  dates {span.start} .. {span.end}")
        for warning in summary.warnings[:5]:
            print(f"  warning: {warning}")
        if len(summary.warnings) > 5:
            print(f"  ... and {len(summary.warnings) - 5} more warnings (see --json)")
    for error in summary.errors:
        print(f"healthinsight: {error.file}: {error.position}: {error.reason}",
              file=sys.stderr)
    return 1 if summary.errors else 0


def patients(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = RecordsService(ctx.vault).patients()
    if args.json:
        print_json([p.wire() for p in rows])
        return 0
    for p in rows:
        print(f"{p.id}  {p.name or '':<30} {p.birth_date or '':<10}  "
              f"{p.total_records} records")
    return 0


def records(args: argparse.Namespace, ctx: AppContext) -> int:
    service = RecordsService(ctx.vault)
    patient = args.patient
    if patient is None:
        everyone = service.patients()
        if len(everyone) > 1:
            print("healthinsight: the vault holds several patients; choose one with --patient "
                  "(see `healthinsight patients`)", file=sys.stderr)
            return 1
        patient = everyone[0].id if everyone else None
    elif service.patient(patient) is None:
        print(f"healthinsight: no patient {patient}", file=sys.stderr)
        return 1
    rows = [] if patient is None else service.records(
        patient_id=patient, code=args.code, category=args.category, since=args.since,
        limit=args.limit, newest_first=False)
    if args.json:
        print_json([r.wire() for r in rows])
        return 0
    for r in rows:
        print(_line(r))
    return 0


def _line(r: Record) -> str:
    value = r.value_text if r.value is None else f"{r.comparator or ''}{r.value:g}"
    flag = f"  [{r.flag}]" if r.flag else ""
    if r.quality not in (None, "ok"):
        flag += f"  [{r.quality}]"
    if r.time_basis in TIME_BASIS_NOTES:
        flag += f"  ({TIME_BASIS_NOTES[r.time_basis]})"
    return (f"{(r.effective or '')[:19]:<19}  {r.code or '':<10} {r.display or '':<40.40} "
            f"{value} {r.unit or ''}{flag}")
