"""Running an import job from the window and describing its outcome for a person."""

from __future__ import annotations

import html
from pathlib import Path

from app.context import AppContext
from app.services.import_views import ImportProgress, ImportStatus
from ui import ops

STEP_SECONDS = 0.3


def run_import(ctx: AppContext, paths: list[Path]) -> ImportStatus:
    """Runs in an op: start the job, report its progress (the running status, with its id
    so the view can cancel it), return its final status."""
    import_id = ctx.imports.start(paths, owner_id=None)
    while True:
        try:
            status = ctx.imports.wait(import_id, STEP_SECONDS, owner_id=None)
        except TimeoutError:
            status = ctx.imports.get(import_id, owner_id=None)
        if status is None or status.status != "processing":
            return status or ImportStatus(import_id=import_id, status="failed")
        if ops.stopping():
            ctx.imports.cancel(import_id, owner_id=None)
        ops.report_progress(status)


def progress_text(progress: ImportProgress, seconds: float) -> str:
    """"12,000 records · 4,000 records/s · 35%" for the progress line."""
    parts = [f"{progress.records:,} records"]
    if seconds > 0.2:
        parts.append(f"{progress.records / seconds:,.0f} records/s")
    if progress.total_bytes:
        parts.append(f"{progress.bytes / progress.total_bytes:.0%}")
    return "Importing… " + " · ".join(parts)


def summary_html(status: ImportStatus) -> str:
    """The import's result for a person: counts, dates, and every warning and error."""
    summary = status.summary
    parts = []
    heading = {"completed": "Import finished", "cancelled": "Import cancelled",
               "completed_with_errors": "Import finished with errors"}
    parts.append(f"<h3>{heading.get(status.status, 'Import failed')}</h3>")
    if status.status == "cancelled":
        parts.append("<p>The file being read when you cancelled was left out whole; files "
                     "finished before it were kept.</p>")
    parts.append(f"<p><b>{summary.total_records:,}</b> new records")
    dates = summary.date_range
    if dates.start or dates.end:
        parts.append(f", from {html.escape(dates.start or '?')[:10]} to "
                     f"{html.escape(dates.end or '?')[:10]}")
    if summary.import_duration_seconds is not None:
        parts.append(f", in {summary.import_duration_seconds:.1f} s")
    parts.append(".</p>")
    by_type = {k: v for k, v in summary.records_by_type.items() if v}
    if by_type:
        parts.append("<table>" + "".join(
            f"<tr><td>{html.escape(kind)}</td><td align='right'>&nbsp;{count:,}</td></tr>"
            for kind, count in sorted(by_type.items())) + "</table>")
    if summary.errors:
        parts.append("<p><b>Not imported</b> (the vault is unchanged for these files):</p><ul>")
        parts.extend(
            f"<li>{html.escape(e.file)}: {html.escape(e.position)}: {html.escape(e.reason)}"
            "</li>" for e in summary.errors)
        parts.append("</ul>")
    warnings = summary.warnings
    if warnings:
        shown = warnings[:20]
        parts.append(f"<p><b>Warnings</b> ({len(warnings)}):</p><ul>")
        parts.extend(f"<li>{html.escape(w)}</li>" for w in shown)
        if len(warnings) > len(shown):
            parts.append(f"<li>… and {len(warnings) - len(shown)} more</li>")
        parts.append("</ul>")
    return "".join(parts)
