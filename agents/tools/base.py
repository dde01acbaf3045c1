"""What every analysis tool shares: time windows, time conversion, rounding.

Tools read the vault only through storage's query manager (``vault.measurements``) and
``vault.clinical``: agents/ never writes SQL against vault tables. Times come back as
epoch seconds and are turned into UTC ISO strings here, so results do not depend on the
session's time zone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
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
        return asdict(self)  # type: ignore[call-overload, no-any-return]


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
