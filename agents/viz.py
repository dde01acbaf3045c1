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
    return {"type": "scatter", "mode": "lines+markers", "name": metric(s.code).name,
            "x": [p.date for p in s.points], "y": [p.value for p in s.points],
            "line": {"color": color}, **extra}


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "hovermode": "x unified", "template": "plotly_white",
            "xaxis": {"title": {"text": "Date"}, "type": "date"}, **extra}


def time_series(s: Series) -> Chart:
    m = metric(s.code)
    shapes = []
    if s.reference_low is not None or s.reference_high is not None:
        shapes.append({"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": s.reference_low if s.reference_low is not None else 0,
                       "y1": s.reference_high if s.reference_high is not None
                       else max((p.value for p in s.points), default=0),
                       "fillcolor": "rgba(16,172,132,0.12)", "line": {"width": 0},
                       "layer": "below"})
    figure = {"data": [_line(s, COLORS[0])],
              "layout": _layout(m.name, shapes=shapes,
                                yaxis={"title": {"text": f"{m.name} ({s.unit or ''})"}})}
    ref = {m.key: {"low": s.reference_low, "high": s.reference_high}}
    return Chart("time_series", figure,
                 _component("LineChart", _merge_by_date([s]), [m.key], referenceRanges=ref,
                            units={m.key: s.unit}, **_buckets([s])), len(s.points))


def _buckets(series: list[Series]) -> dict[str, Any]:
    """Say when points are means over day-buckets (long daily series)."""
    if not any(s.bucket_days for s in series):
        return {}
    return {"bucketDays": {metric(s.code).key: s.bucket_days for s in series}}


def multi_metric(series: list[Series]) -> Chart:
    """Metrics sharing a unit share a panel; panels stack on one time axis."""
    units = list(dict.fromkeys(s.unit for s in series))
    step = 1 / len(units)
    layout = _layout(" / ".join(metric(s.code).name for s in series), grid=None)
    data = []
    for i, s in enumerate(series):
        panel = units.index(s.unit)
        axis = "y" if panel == 0 else f"y{panel + 1}"
        data.append(_line(s, COLORS[i % len(COLORS)], yaxis=axis))
    for panel, unit in enumerate(units):
        name = "yaxis" if panel == 0 else f"yaxis{panel + 1}"
        layout[name] = {"title": {"text": unit or ""}, "anchor": "x",
                        "domain": [1 - (panel + 1) * step + 0.04, 1 - panel * step]}
    layout.pop("grid")
    keys = [metric(s.code).key for s in series]
    return Chart("multi_metric", {"data": data, "layout": layout},
                 _component("LineChart", _merge_by_date(series), keys,
                            units={metric(s.code).key: s.unit for s in series},
                            **_buckets(series)),
                 sum(len(s.points) for s in series))


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
    layout["shapes"] = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": v, "y1": v,
         "line": {"dash": "dash", "color": c}}
        for v, c in ((target[0], COLORS[0]), (target[1], COLORS[1]))]
    component = chart.component
    component["props"]["config"]["targets"] = {"systolic": target[0], "diastolic": target[1]}
    return Chart("blood_pressure", {"data": chart.figure["data"], "layout": layout},
                 component, chart.data_points)

