"""Running an import job from the window and describing its outcome for a person."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from app.context import AppContext
from ui import ops

STEP_SECONDS = 0.3


def run_import(ctx: AppContext, paths: list[Path]) -> dict[str, Any]:
    """Runs in an op: start the job, report its progress (with its id, so the view can
    cancel it), return its final status."""
    import_id = ctx.imports.start(paths, owner_id=None)
    while True:
        try:
            status = ctx.imports.wait(import_id, STEP_SECONDS, owner_id=None)
        except TimeoutError:
            status = ctx.imports.get(import_id, owner_id=None)
        if status is None or status.get("status") != "processing":
            return status or {"import_id": import_id, "status": "failed", "summary": {}}
        if ops.stopping():
            ctx.imports.cancel(import_id, owner_id=None)
        ops.report_progress({"import_id": import_id, **(status.get("progress") or {})})


def progress_text(progress: dict[str, Any], seconds: float) -> str:
    """"12,000 records · 4,000 records/s · 35%" for the progress line."""
    done, total = progress.get("bytes") or 0, progress.get("total_bytes") or 0
    records = int(progress.get("records") or 0)
    parts = [f"{records:,} records"]
    if seconds > 0.2:
        parts.append(f"{records / seconds:,.0f} records/s")
    if total:
        parts.append(f"{done / total:.0%}")
    return "Importing… " + " · ".join(parts)


def summary_html(status: dict[str, Any]) -> str:
    """The import's result for a person: counts, dates, and every warning and error."""
    summary = status.get("summary") or {}
    parts = []
    heading = {"completed": "Import finished", "cancelled": "Import cancelled",
               "completed_with_errors": "Import finished with errors"}
    parts.append(f"<h3>{heading.get(str(status.get('status')), 'Import failed')}</h3>")
    if status.get("status") == "cancelled":
        parts.append("<p>The file being read when you cancelled was left out whole; files "
                     "finished before it were kept.</p>")
    parts.append(f"<p><b>{summary.get('total_records', 0):,}</b> new records")
    dates = summary.get("date_range") or {}
    if dates.get("start") or dates.get("end"):
        parts.append(f", from {html.escape(str(dates.get('start') or '?'))[:10]} to "
                     f"{html.escape(str(dates.get('end') or '?'))[:10]}")
    if summary.get("import_duration_seconds") is not None:
        parts.append(f", in {float(summary['import_duration_seconds']):.1f} s")
    parts.append(".</p>")
    by_type = {k: v for k, v in (summary.get("records_by_type") or {}).items() if v}
    if by_type:
        parts.append("<table>" + "".join(
            f"<tr><td>{html.escape(str(kind))}</td><td align='right'>&nbsp;{count:,}</td></tr>"
            for kind, count in sorted(by_type.items())) + "</table>")
    errors = summary.get("errors") or []
    if errors:
        parts.append("<p><b>Not imported</b> (the vault is unchanged for these files):</p><ul>")
        parts.extend(
            f"<li>{html.escape(str(e.get('file', '')))}: {html.escape(str(e.get('position', '')))}"
            f": {html.escape(str(e.get('reason', '')))}</li>" for e in errors)
        parts.append("</ul>")
    warnings = summary.get("warnings") or []
    if warnings:
        shown = warnings[:20]
        parts.append(f"<p><b>Warnings</b> ({len(warnings)}):</p><ul>")
        parts.extend(f"<li>{html.escape(str(w))}</li>" for w in shown)
        if len(warnings) > len(shown):
            parts.append(f"<li>… and {len(warnings) - len(shown)} more</li>")
        parts.append("</ul>")
    return "".join(parts)
