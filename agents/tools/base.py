"""What every analysis tool shares: time windows, time conversion, rounding.

Tools read the vault only through storage's query manager (``vault.measurements``) and
``vault.clinical``: agents/ never writes SQL against vault tables. Times come back as
epoch seconds and are turned into UTC ISO strings here, so results do not depend on the
session's time zone.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

SECONDS_PER_YEAR = 365.25 * 24 * 3600


@dataclass(frozen=True)
class Window:
    """An optional time window; None on either side means unbounded."""

    since: date | None = None
    until: date | None = None

    def params(self) -> dict[str, Any]:
        return {
            "since": datetime.combine(self.since, datetime.min.time(), UTC) if self.since else None,
            "until": datetime.combine(self.until, datetime.max.time(), UTC) if self.until else None,
        }


ALL_TIME = Window()


class ToolResult:
    """Base of the typed results: a plain dict for storage, JSON and prompts."""

    def to_dict(self) -> dict[str, Any]:
        return plain(self)  # type: ignore[no-any-return]


_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def plain(value: Any) -> Any:
    """dataclasses.asdict's result, without its deep copy of every leaf: a trend's
    5,500 row ids were 5,500 calls of copy.deepcopy. Scalars are immutable and kept."""
    if isinstance(value, _SCALARS):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(plain(v) for v in value))
    if isinstance(value, list | tuple):
        if set(map(type, value)) <= _SCALAR_TYPES:  # row ids: checked in C, not per call
            return value if type(value) is tuple else list(value)
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return copy.deepcopy(value)


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def day(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def num(value: Any, digits: int = 2) -> float | None:
    """A rounded float for reporting (None and NaN stay None)."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return round(value, digits)
