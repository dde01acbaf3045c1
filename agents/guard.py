"""The numeric guard: a model may only repeat numbers it was given.

A number written in the narrative matches a given number when the given number, rounded
to as many decimals as the narrative wrote, equals it ("5.6" matches 5.62; "186" matches
185.7; "250" matches nothing unless 250 was given). Dates are given numbers too, so
"2019" or "15" from "2019-01-15" pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?:\.\d+)?")


def numbers_in(text: str) -> list[str]:
    """Numbers as written (thousands separators removed), e.g. ["5.6", "2019", "1200"]."""
    out = []
    for m in _NUMBER.finditer(text):
        token = m.group(0).lstrip("+")
        if "," in token:
            token = token.replace(",", "")
        out.append(token)
    return out


def allowed_numbers(texts: Iterable[str]) -> set[float]:
    allowed: set[float] = set()
    for text in texts:
        for token in numbers_in(text):
            value = float(token)
            allowed.add(value)
            allowed.add(abs(value))
    return allowed


def unsupported(narrative: str, given: Iterable[str]) -> list[str]:
    """The numbers in `narrative` that no given text supports (empty: the narrative passes)."""
    allowed = allowed_numbers(given)
    bad = []
    for token in numbers_in(narrative):
        decimals = len(token.split(".")[1]) if "." in token else 0
        value = abs(float(token))
        if not any(round(a, decimals) == value for a in allowed):
            bad.append(token)
    return bad
