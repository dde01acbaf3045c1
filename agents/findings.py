"""Findings: one tool result, the sentence that states it, and the rows behind it.

The sentence (`text`) is written from the numbers by a template; it is the offline
narrative and the only set of facts a model is shown, so the numeric guard can check a
model's prose against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.tools.observations import Trend
from storage.repos.measurement_types import TIME_BASIS_NOTES
from storage.repos.measures import measure


def in_prose(name: str) -> str:
    """A measure's name mid-sentence: "body height", but "PSA" and "eGFR" as written."""
    return name[0].lower() + name[1:] if name[1:2].islower() else name


# a trend's direction in words, where its name alone would mislead
DIRECTION_WORDS = {"fluctuating": "fluctuating without a significant trend",
                   "stable": "stable"}


@dataclass(frozen=True)
class Finding:
    kind: str  # trend | bp_control | time_in_range | abnormal | medications | before_after |
    #            correlation | coverage | conditions | screening | vital_status | age |
    #            no_data
    text: str
    data: dict[str, Any]
    row_ids: tuple[Any, ...] = ()
    code: str | None = None
    concern: str | None = None  # a sentence for the CMO's concerns, when one applies
    recommendation: str | None = None
    evidence: int | None = None  # records behind it, when not simply len(row_ids)

    @property
    def has_data(self) -> bool:
        return self.kind != "no_data"

    @property
    def support(self) -> int:
        """How many records this finding rests on (0: it only says nothing was found)."""
        if not self.has_data:
            return 0
        return self.evidence if self.evidence is not None else len(self.row_ids)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "code": self.code, "data": self.data,
                "concern": self.concern, "recommendation": self.recommendation,
                "provenance": {"rows": len(self.row_ids), "row_ids": list(self.row_ids[:1000])}}


# UCUM codes as a reader writes them (the data keeps the UCUM code).
UNIT_LABELS = {"mm[Hg]": "mmHg", "mL/min/{1.73_m2}": "mL/min/1.73m2", "{score}": "",
               "10*3/uL": "thousand/uL", "10*6/uL": "million/uL", "/min": "per minute",
               "Cel": "°C", "[degF]": "°F", "[lb_av]": "lb", "[in_i]": "in",
               "1": "", "{ratio}": ""}  # UCUM's unity: a ratio has no unit to write


def plural(n: int, word: str) -> str:
    """"1 result", "3 results"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fmt(value: float | None, unit: str | None = None) -> str:
    """175.0 -> "175", 5.621 -> "5.62"; with its unit, as a reader writes it."""
    if value is None:
        return "n/a"
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    label = UNIT_LABELS.get(unit, unit) if unit else ""
    return f"{text} {label}" if label else text


def trend_finding(t: Trend) -> Finding:
    unit = t.unit
    unverified = _unverified_note(t)
    if t.n == 0:
        text = f"No {t.metric} results were found for this period."
        if not t.unverified:
            return Finding("no_data", text, t.to_dict() | {"row_ids": None}, (), t.code)
        return Finding("trend", f"{text} {unverified}", _data(t), (), t.code,
                       unverified, _VERIFY_ADVICE, evidence=len(t.unverified))
    ref = reference_note(t.last_value, t.reference_low, t.reference_high, unit, t.last_flag)
    what = "daily total" if t.kind == "cumulative" else "latest"
    note = TIME_BASIS_NOTES.get(t.last_time_basis)
    when = f"{t.last_date} ({note}; the record gives no time it was taken)" if note \
        else t.last_date
    if t.n == 1:
        text = f"{t.metric}: {fmt(t.last_value, unit)} on {when} (one result){ref}."
    else:
        change = f"{t.change_percentage:+.1f}%" if t.change_percentage is not None else "n/a"
        word = DIRECTION_WORDS.get(t.direction, t.direction)
        text = (f"{t.metric}: {what} {fmt(t.last_value, unit)} on {when}, {word} "
                f"(fitted change {change} over {t.n} "
                f"{'days' if t.kind == 'cumulative' else 'results'} since {t.first_date}; "
                f"previous {fmt(t.previous_value, unit)}, spread (IQR) {fmt(t.iqr, unit)})"
                f"{ref}.")
    if t.last_quality == "conflict":
        values = " and ".join(fmt(v, unit) for v in t.last_values)
        text += (f" Readings at the latest time disagree ({values}); their mean is shown: "
                 "ask which is right.")
    if t.other_series:
        text += f" Not mixed in: {', '.join(t.other_series)} (a unit that does not convert)."
    if unverified:
        text += f" {unverified}"
    concern = recommendation = None
    worse = measure(t.code).worse  # resources/worse_direction.json
    last = t.last_value
    out_high = t.reference_high is not None and last is not None and last > t.reference_high
    out_low = t.reference_low is not None and last is not None and last < t.reference_low
    if t.last_flag == "critical":
        concern = f"Your latest {t.metric} ({fmt(last, unit)}) is at a critical level."
        recommendation = f"Contact your clinician promptly about your {t.metric}."
    elif out_high or out_low:
        side = "above" if out_high else "below"
        marked = f" ({MARKED_NORMAL})" if t.last_flag == "normal" else ""
        concern = (f"Your latest {t.metric} ({fmt(last, unit)}) is {side} the reference "
                   f"range{marked}.")
        recommendation = f"Review your {t.metric} with your clinician at your next visit."
    elif worse is not None and t.direction == {"higher": "increasing",
                                                "lower": "decreasing"}[worse]:
        concern = f"{t.metric} has been {t.direction}, the less favourable direction."
        recommendation = (f"Keep an eye on your {t.metric}; ask whether it should be "
                          "rechecked sooner.")
    elif unverified:
        concern, recommendation = unverified, _VERIFY_ADVICE
    return Finding("trend", text, _data(t), t.row_ids, t.code, concern, recommendation)


_VERIFY_ADVICE = "Ask your clinician whether the readings held for verification were errors."


def _data(t: Trend) -> dict[str, Any]:
    return {k: v for k, v in t.to_dict().items() if k != "row_ids"}


def _unverified_note(t: Trend) -> str:
    """Names the readings kept out of the trend: "2.87 % is not a credible HbA1c ..."."""
    if not t.unverified:
        return ""
    implausible = [r for r in t.unverified if r["reason"] == "implausible"]
    jumps = [r for r in t.unverified if r["reason"] != "implausible"]
    parts = []
    if implausible:
        values = ", ".join(f"{fmt(r['value'], r['unit'])} on {str(r['date'])[:10]}"
                           for r in implausible[:3])
        more = f" and {len(implausible) - 3} more" if len(implausible) > 3 else ""
        parts.append(f"{values}{more} {'is' if len(implausible) == 1 else 'are'} not "
                     f"credible for {t.metric} (ask whether it was a lab or entry error, or "
                     "an interfering condition); left out of the trend.")
    if jumps:
        values = ", ".join(f"{fmt(r['value'], r['unit'])} on {str(r['date'])[:10]}"
                           for r in jumps[:3])
        parts.append(f"{values} changed too fast to be the same person's {t.metric} (several "
                     "apps or people writing into one record?); left out of the trend.")
    return " ".join(parts)


def key_finding(f: Finding) -> dict[str, Any]:
    """The spec's key_findings entry for a trend finding. `flag`: the current value's
    (low | normal | high | critical | abnormal | indeterminate, or null without a
    range); `quality`: ``verify`` when readings in the period are held for
    verification, else ``conflict`` when the current instant's readings disagree, else
    ``ok``."""
    d = f.data
    quality = ("verify" if d.get("unverified") else
               "conflict" if d.get("last_quality") == "conflict" else "ok")
    return {"metric": d["metric"], "code": d["code"], "trend": d["direction"],
            "current_value": d["last_value"], "unit": d["unit"],
            "change_percentage": d["change_percentage"], "first_date": d["first_date"],
            "last_date": d["last_date"], "n": d["n"], "flag": d.get("last_flag"),
            "quality": quality}


# A reading outside the range we compare it with that its own record marks normal (the
# source's interpretation, e.g. C-CDA interpretationCode N): both are said, so that the
# answer's words and its flag never contradict each other.
MARKED_NORMAL = "the record itself marks it normal"


def reference_note(value: float | None, low: float | None, high: float | None,
                   unit: str | None, flag: str | None = None) -> str:
    if value is None or (low is None and high is None):
        return ""
    marked = f"; {MARKED_NORMAL}" if flag == "normal" else ""
    if high is not None and value > high:
        return f", above the reference range (upper limit {fmt(high, unit)}{marked})"
    if low is not None and value < low:
        return f", below the reference range (lower limit {fmt(low, unit)}{marked})"
    return ", within the reference range"


def range_movement(first: float, then: float, low: float | None, high: float | None,
                   unit: str | None, words: tuple[str, str] = ("earlier", "later")) -> str:
    """Where two readings stand against the (later one's) reference range, and whether the
    later is nearer it: how "better or worse than a year ago" is answered from the records'
    own ranges rather than a judgement of ours; `words` name the two. "" without a range."""
    if low is None and high is None:
        return ""
    limits = [f"lower limit {fmt(low, unit)}" if low is not None else "",
              f"upper limit {fmt(high, unit)}" if high is not None else ""]
    bounds = ", ".join(x for x in limits if x)

    def off(v: float) -> float:  # how far outside the range: < 0 below, > 0 above
        return v - high if high is not None and v > high else (
            v - low if low is not None and v < low else 0.0)

    def side(d: float) -> str:
        return "above" if d > 0 else "below" if d < 0 else "within"

    a, b = off(first), off(then)
    if side(a) == side(b) == "within":
        return f" Both are within the reference range ({bounds})."
    if side(a) != side(b):
        return (f" The {words[1]} is {side(b)} the reference range ({bounds}); the "
                f"{words[0]} was {side(a)} it.")
    nearer = ("closer to it" if abs(b) < abs(a) else "further from it" if abs(b) > abs(a)
              else "as far from it")
    return f" Both are {side(b)} the reference range ({bounds}); the {words[1]} is {nearer}."
