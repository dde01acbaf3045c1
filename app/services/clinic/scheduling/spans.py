"""Half-open spans of real time (UTC instants) and the little algebra availability needs.

Hand-written rather than a dependency: sorted-list union, intersection and difference
are a few lines each, and keeping them here keeps every instant a plain aware
`datetime` (interval libraries wrap values in their own types).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Span:
    """[start, end) in UTC; an appointment with its buffers, an open stretch, a closure."""

    start: datetime
    end: datetime

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def widened(self, before: timedelta, after: timedelta) -> Span:
        return Span(self.start - before, self.end + after)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def merged(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with touching or overlapping spans joined; empty spans dropped."""
    out: list[Span] = []
    for span in sorted(s for s in spans if s.start < s.end):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = Span(out[-1].start, span.end)
        else:
            out.append(span)
    return out


def intersection(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    left, right = merged(a), merged(b)
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            out.append(Span(start, end))
        if left[i].end < right[j].end:
            i += 1
        else:
            j += 1
    return out


def difference(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """What of `a` is not covered by `b`."""
    out: list[Span] = []
    cuts = merged(b)
    for span in merged(a):
        start = span.start
        for cut in cuts:
            if cut.end <= start or cut.start >= span.end:
                continue
            if cut.start > start:
                out.append(Span(start, cut.start))
            start = max(start, cut.end)
        if start < span.end:
            out.append(Span(start, span.end))
    return out
