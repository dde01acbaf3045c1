"""Reports as files: PDF (reportlab: a summary, a bar chart and the table), CSV (one row
per record under a header) and JSON (the same data)."""

from __future__ import annotations

import csv
import io
import json

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.services.reports.model import Chart, Report

MEDIA_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
               "json": "application/json"}


def render(report: Report, fmt: str) -> bytes:
    if fmt == "pdf":
        return pdf(report)
    if fmt == "csv":
        return csv_bytes(report)
    if fmt == "json":
        return json_bytes(report)
    raise ValueError(f"unknown report format {fmt!r}")


def json_bytes(report: Report) -> bytes:
    body = {"type": report.type, "title": report.title, "organization": report.organization,
            "period": {"start": report.start.isoformat(), "end": report.end.isoformat()},
            "summary": dict(report.summary), "columns": list(report.columns),
            "records": report.records(),
            "chart": {"title": report.chart.title, "labels": list(report.chart.labels),
                      "values": list(report.chart.values), "unit": report.chart.unit}}
    return json.dumps(body, indent=2).encode()


def csv_bytes(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in report.rows)
    return out.getvalue().encode()


def pdf(report: Report) -> bytes:
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=report.title,
                            author=report.organization, leftMargin=15 * mm,
                            rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    story = [Paragraph(report.title, styles["Title"]),
             Paragraph(f"{report.organization} &middot; {report.period}", styles["Normal"]),
             Spacer(1, 4 * mm)]
    for label, value in report.summary:
        story.append(Paragraph(f"<b>{label}:</b> {_text(value)}", styles["Normal"]))
    story += [Spacer(1, 4 * mm), _chart(report.chart, doc.width), Spacer(1, 4 * mm)]
    data = [list(report.columns)] + [[_text(c) for c in row] for row in report.rows]
    if not report.rows:
        data.append(["(no records in this period)"] + [""] * (len(report.columns) - 1))
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#2c5282")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#edf2f7")]),
    ]))
    story.append(table)
    doc.build(story)
    return out.getvalue()


def _chart(chart: Chart, width: float) -> Drawing:
    height = 60 * mm
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, chart.title, fontSize=10))
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 30, 20, width - 60, height - 45
    bars.data = [list(chart.values) or [0]]
    bars.categoryAxis.categoryNames = list(chart.labels) or ["(none)"]
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.bars[0].fillColor = colors.HexColor("#4ECDC4")
    drawing.add(bars)
    return drawing


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
