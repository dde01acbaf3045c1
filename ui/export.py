"""Saving an answer as HTML (with the interactive chart) or PDF (with the chart drawn).

The HTML file is self-contained: plotly.js is embedded from the installed package (no
CDN, opens offline). The PDF is laid out by QTextDocument and written by QPdfWriter, in
an op; the chart goes in as the picture the web view drew (grabbed on the Qt thread
before the op starts). Files go only where the person chose to save them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ui.qt import QImage, QMarginsF, QPageLayout, QPageSize, QPdfWriter, QTextDocument, QUrl
from ui.views.answer import FINDING_COLUMNS, URGENT_TEXT, finding_cells
from ui.views.answer_states import NOT_IN_RECORDS, not_in_records, verify_text

CHART_URL = "chart.png"
STYLE = """body{font-family:sans-serif;color:#1f2a33;max-width:900px;margin:24px auto}
table{border-collapse:collapse}td,th{border:1px solid #d0d8de;padding:4px 8px}
th{background:#eef2f5}.urgent{background:#b3261e;color:#fff;padding:10px;font-weight:bold}
.verify{background:#fff3c4;color:#5c3d00;padding:8px;font-weight:bold}
.nodata{background:#eef2f5;padding:8px;font-weight:bold}.meta{color:#5b6770}"""


def _list(title: str, items: list[Any]) -> str:
    if not items:
        return ""
    return f"<h3>{title}</h3><ul>" + "".join(f"<li>{html.escape(str(i))}</li>"
                                            for i in items) + "</ul>"


def body_html(result: dict[str, Any], meta: str, chart: str) -> str:
    """The answer as HTML, with `chart` (HTML of the chart, or "") after the findings."""
    synthesis = result.get("synthesis") or {}
    parts = [f"<h1>{html.escape(str(result.get('query') or 'Answer'))}</h1>",
             f"<p class='meta'>{html.escape(meta)}</p>"]
    if result.get("urgent"):
        parts.append(f"<p class='urgent'>{html.escape(URGENT_TEXT)}</p>")
    if not_in_records(result):
        parts.append(f"<p class='nodata'>{html.escape(NOT_IN_RECORDS)}</p>")
    if verify_text(result):
        parts.append(f"<p class='verify'>{html.escape(verify_text(result))}</p>")
    if synthesis.get("summary"):
        parts.append(f"<p>{html.escape(str(synthesis['summary']))}</p>")
    findings = list(synthesis.get("key_findings") or [])
    if findings:
        head = "".join(f"<th>{c}</th>" for c in FINDING_COLUMNS)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in finding_cells(f))
                       + "</tr>" for f in findings)
        parts.append(f"<h3>Key findings</h3><table><tr>{head}</tr>{rows}</table>")
    parts.append(chart)
    parts.append(_list("Recommendations", list(synthesis.get("recommendations") or [])))
    parts.append(_list("Concerns", list(synthesis.get("concerns") or [])))
    note = synthesis.get("disclaimer") or synthesis.get("note")
    if note:
        parts.append(f"<p class='meta'><i>{html.escape(str(note))}</i></p>")
    return "".join(parts)


def save_html(path: Path, result: dict[str, Any], figure: dict[str, Any] | None,
              meta: str) -> Path:
    """Runs in an op."""
    chart = ""
    if figure and figure.get("data"):
        import plotly.io as pio

        chart = pio.to_html(figure, include_plotlyjs=True, full_html=False,
                            config={"displaylogo": False})
    text = ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(str(result.get('query') or 'Answer'))}</title>"
            f"<style>{STYLE}</style></head><body>{body_html(result, meta, chart)}</body></html>")
    path.write_text(text, encoding="utf-8")
    return path


def save_pdf(path: Path, result: dict[str, Any], chart: QImage | None, meta: str) -> Path:
    """Runs in an op: QTextDocument and QPdfWriter may be used off the Qt thread."""
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    writer.setTitle(str(result.get("query") or "Answer"))
    writer.setCreator("HealthInsight")
    doc = QTextDocument()
    doc.setDefaultStyleSheet(STYLE)
    image = ""
    if chart is not None and not chart.isNull():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(CHART_URL), chart)
        image = f"<p><img src='{CHART_URL}' width='640'></p>"
    doc.setHtml(body_html(result, meta, image))
    doc.print_(writer)
    return path
