"""File › Import: pick files or a folder, import them in a worker, show what happened."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.context import AppContext
from ui import ops
from ui.ops import Op
from ui.qt import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

STEP_SECONDS = 0.3


def run_import(ctx: AppContext, paths: list[Path]) -> dict[str, Any]:
    """Runs in an op: start the job, report its progress, return its final status."""
    import_id = ctx.imports.start(paths, owner_id=None)
    while True:
        try:
            status = ctx.imports.wait(import_id, STEP_SECONDS)
        except TimeoutError:
            status = ctx.imports.get(import_id, owner_id=None)
        if status is None or status.get("status") != "processing" or ops.stopping():
            return status or {"import_id": import_id, "status": "failed", "summary": {}}
        ops.report_progress(status.get("progress") or {})


def progress_text(progress: dict[str, Any]) -> str:
    done, total = progress.get("bytes") or 0, progress.get("total_bytes") or 0
    share = f" ({done / total:.0%})" if total else ""
    return f"Importing… {progress.get('records', 0):,} records{share}"


def start_import(ctx: AppContext, paths: list[Path], *, parent: QWidget,
                 on_progress: Callable[[str], None],
                 on_done: Callable[[dict[str, Any]], None]) -> None:
    on_progress(f"Importing {len(paths)} item{'s' if len(paths) != 1 else ''}…")
    (
        Op(lambda: run_import(ctx, paths), parent=parent)
        .with_progress(lambda p: on_progress(progress_text(p)))
        .success(on_done)
        .failure(lambda exc: (on_progress(""), _show_error(parent, exc)))
        .run_in_background()
    )


def _show_error(parent: QWidget, exc: BaseException) -> None:
    from ui.errors import show_exception

    show_exception(parent=parent, exception=exc)


def summary_html(status: dict[str, Any]) -> str:
    """The import's result for a person: counts, dates, and every warning and error."""
    summary = status.get("summary") or {}
    parts = []
    ok = status.get("status") in ("completed", "completed_with_errors")
    parts.append(f"<h3>{'Import finished' if ok else 'Import failed'}</h3>")
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


class ImportSummaryDialog(QDialog):
    def __init__(self, status: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.setWindowTitle("Import")
        self.setMinimumWidth(460)
        self.text = QLabel(summary_html(status))
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
