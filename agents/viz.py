"""Charts as Plotly figure JSON plus the insight API's component description.

Figures are plain Plotly JSON dicts (``{"data": [...], "layout": {...}}``) built directly,
which is much faster than going through plotly's validating graph objects for every
answer; tests load each one into ``plotly.graph_objects.Figure`` to prove it is valid.
Kinds: time_series (with the reference range as a band), multi_metric (shared time
axis, one panel per unit), before_after (a medication start line and the two means),
abnormal_results (bars per metric), blood_pressure (systolic and diastolic with the
130/80 target lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.codes import metric
from agents.findings import fmt
from agents.tools.medications import BeforeAfter
from agents.tools.observations import OutOfRange, Series

COLORS = ("#FF6B6B", "#4ECDC4", "#45B7D1", "#F7B731", "#5F27CD", "#10AC84", "#EE5253")
FEATURES = ["zoom", "pan", "hover", "export"]


@dataclass(frozen=True)
class Chart:
    type: str
    figure: dict[str, Any]
    component: dict[str, Any]
    data_points: int


def _component(kind: str, rows: list[dict[str, Any]], keys: list[str], **config: Any) -> dict:
    return {"type": kind, "props": {"data": rows, "config": {
        "xAxis": "date", "yAxis": keys, "colors": list(COLORS[: len(keys)]), **config}}}


def _merge_by_date(series: list[Series]) -> list[dict[str, Any]]:
    """Rows of {date, <metric key>: value} merged on the calendar date (the spec's shape)."""
    rows: dict[str, dict[str, Any]] = {}
    for s in series:
        key = metric(s.code).key
        for p in s.points:
            d = p.date[:10]
            rows.setdefault(d, {"date": d})[key] = p.value
    return [rows[d] for d in sorted(rows)]


def _line(s: Series, color: str, **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines+markers", "name": s.metric,
            "x": [p.date for p in s.points], "y": [p.value for p in s.points],
            "line": {"color": color}, **extra}


MARK_STYLE = {"critical": ("Critical", "#C0392B", "x"), "verify": ("To verify", "#7F8C8D",
                                                                   "circle-open")}


def _marks(s: Series, **extra: Any) -> list[dict[str, Any]]:
    """Critical and held-for-verification readings as their own marker traces."""
    out = []
    for kind, (label, color, symbol) in MARK_STYLE.items():
        marks = [m for m in s.marks if m.kind == kind]
        if marks:
            out.append({"type": "scatter", "mode": "markers", "name": f"{s.metric}: {label}",
                        "x": [m.date for m in marks], "y": [m.value for m in marks],
                        "marker": {"color": color, "symbol": symbol, "size": 11}, **extra})
    return out


def _band(s: Series, color: str, yref: str) -> list[dict[str, Any]]:
    """The reference range of a series as a band on its own axis."""
    if s.reference_low is None and s.reference_high is None:
        return []
    top = s.reference_high if s.reference_high is not None else max(
        (p.value for p in s.points), default=0)
    return [{"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": yref,
             "y0": s.reference_low if s.reference_low is not None else 0, "y1": top,
             "fillcolor": color, "opacity": 0.1, "line": {"width": 0}, "layer": "below"}]


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "hovermode": "x unified", "template": "plotly_white",
            "xaxis": {"title": {"text": "Date"}, "type": "date"}, **extra}


def _drawn(s: Series) -> int:
    """Readings drawn: the line's points plus those held for verification (drawn only as
    marks); a critical mark sits on a point already counted."""
    return len(s.points) + sum(m.kind == "verify" for m in s.marks)


def _unit(unit: str | None) -> str:
    return fmt(0, unit).removeprefix("0").strip()


def time_series(s: Series) -> Chart:
    m = metric(s.code)
    figure = {"data": [_line(s, COLORS[0]), *_marks(s)],
              "layout": _layout(s.metric, shapes=_band(s, "#10AC84", "y"),
                                yaxis={"title": {"text": f"{s.metric} ({_unit(s.unit)})"}})}
    ref = {m.key: {"low": s.reference_low, "high": s.reference_high}}
    return Chart("time_series", figure,
                 _component("LineChart", _merge_by_date([s]), [m.key], referenceRanges=ref,
                            units={m.key: _unit(s.unit)}, **_buckets([s])),
                 _drawn(s))


def _buckets(series: list[Series]) -> dict[str, Any]:
    """Say when points are means over day-buckets (long daily series)."""
    if not any(s.bucket_days for s in series):
        return {}
    return {"bucketDays": {metric(s.code).key: s.bucket_days for s in series}}


def multi_metric(series: list[Series]) -> Chart:
    """Metrics sharing a unit share a panel; panels stack on one time axis."""
    units = list(dict.fromkeys(s.unit for s in series))
    step = 1 / len(units)
    layout = _layout(" / ".join(s.metric for s in series), grid=None)
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    for i, s in enumerate(series):
        panel = units.index(s.unit)
        axis = "y" if panel == 0 else f"y{panel + 1}"
        data.append(_line(s, COLORS[i % len(COLORS)], yaxis=axis))
        data.extend(_marks(s, yaxis=axis))
        shapes.extend(_band(s, COLORS[i % len(COLORS)], axis))
    for panel, unit in enumerate(units):
        name = "yaxis" if panel == 0 else f"yaxis{panel + 1}"
        layout[name] = {"title": {"text": _unit(unit)}, "anchor": "x",
                        "domain": [1 - (panel + 1) * step + 0.04, 1 - panel * step]}
    layout.pop("grid")
    layout["shapes"] = shapes
    keys = [metric(s.code).key for s in series]
    ref = {metric(s.code).key: {"low": s.reference_low, "high": s.reference_high}
           for s in series}
    return Chart("multi_metric", {"data": data, "layout": layout},
                 _component("LineChart", _merge_by_date(series), keys, referenceRanges=ref,
                            units={metric(s.code).key: _unit(s.unit) for s in series},
                            **_buckets(series)),
                 sum(_drawn(s) for s in series))


def before_after(s: Series, ba: BeforeAfter) -> Chart:
    chart = time_series(s)
    start = ba.medication_start
    shapes = list(chart.figure["layout"]["shapes"])
    if start:
        shapes.append({"type": "line", "xref": "x", "x0": start, "x1": start, "yref": "paper",
                       "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "#5F27CD"}})
    data = list(chart.figure["data"])
    dates = [p.date for p in s.points]
    if start and dates:
        for label, mean, x0, x1 in (("before", ba.before_mean, dates[0], start),
                                    ("after", ba.after_mean, start, dates[-1])):
            if mean is not None:
                data.append({"type": "scatter", "mode": "lines", "name": f"Mean {label}",
                             "x": [x0, x1], "y": [mean, mean],
                             "line": {"dash": "dot", "color": "#F7B731"}})
    layout = dict(chart.figure["layout"], shapes=shapes,
                  annotations=[{"x": start, "y": 1, "xref": "x", "yref": "paper",
                                "text": f"{ba.medication} started", "showarrow": False,
                                "yanchor": "bottom"}] if start else [],
                  title={"text": f"{ba.metric} before and after {ba.medication}"})
    component = chart.component
    component["props"]["config"].update(
        medicationStart=start, medication=ba.medication,
        means={"before": ba.before_mean, "after": ba.after_mean})
    return Chart("before_after", {"data": data, "layout": layout}, component, chart.data_points)


def abnormal_results(res: OutOfRange) -> Chart:
    items = sorted(res.by_code.items(), key=lambda kv: -int(kv[1]["count"]))  # type: ignore[call-overload]
    names = [str(v["metric"]) for _, v in items]
    high = [int(v["high"]) for _, v in items]  # type: ignore[call-overload]
    low = [int(v["low"]) for _, v in items]  # type: ignore[call-overload]
    figure = {"data": [{"type": "bar", "name": "Above range", "x": names, "y": high,
                        "marker": {"color": COLORS[0]}},
                       {"type": "bar", "name": "Below range", "x": names, "y": low,
                        "marker": {"color": COLORS[2]}}],
              "layout": {"title": {"text": "Results outside their reference ranges"},
                         "barmode": "stack", "template": "plotly_white",
                         "yaxis": {"title": {"text": "Results"}}}}
    rows = [{"metric": n, "above": h, "below": lo} for n, h, lo in zip(names, high, low,
                                                                       strict=True)]
    component = {"type": "BarChart", "props": {"data": rows, "config": {
        "xAxis": "metric", "yAxis": ["above", "below"], "colors": [COLORS[0], COLORS[2]],
        "stacked": True}}}
    return Chart("abnormal_results", figure, component, sum(high) + sum(low))


def blood_pressure(systolic: Series, diastolic: Series, target: tuple[int, int] = (130, 80)
                   ) -> Chart:
    chart = multi_metric([systolic, diastolic])
    layout = dict(chart.figure["layout"], title={"text": "Blood pressure"})
    layout["shapes"] = [*layout.get("shapes", []), *[
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": v, "y1": v,
         "line": {"dash": "dash", "color": c}}
        for v, c in ((target[0], COLORS[0]), (target[1], COLORS[1]))]]
    component = chart.component
    component["props"]["config"]["targets"] = {"systolic": target[0], "diastolic": target[1]}
    return Chart("blood_pressure", {"data": chart.figure["data"], "layout": layout},
                 component, chart.data_points)

