"""JSON text to Python, with every failure an IngestError naming file, position, reason.

Nesting depth is bounded by Python's C parser itself: it raises RecursionError near
the interpreter's recursion limit (about a thousand levels; FHIR resources nest some
twenty). That error is caught here and turned into the byte where the nesting passed
:data:`MAX_DEPTH`, found by a scan that runs only on such hostile input, so normal
files pay nothing for the bound.
"""

from __future__ import annotations

import json
from typing import Any

from storage.errors import IngestError

MAX_DEPTH = 500  # what the message names; a file this deep is never a health record


def deep_at(raw: bytes, limit: int = MAX_DEPTH) -> int | None:
    """The byte offset where `raw` first nests deeper than `limit`, outside strings."""
    depth, in_string, escaped = 0, False, False
    for offset, byte in enumerate(raw):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return offset
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return None


def parse(raw: bytes, *, file: str, line: int | None = None) -> Any:
    """`json.loads(raw)`; positions are bytes, or columns of `line` for NDJSON."""
    where = f"line {line} " if line is not None else ""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        position = (f"line {line} column {exc.colno}" if line is not None
                    else f"line {exc.lineno} column {exc.colno} (byte {exc.pos})")
        raise IngestError(file, position, f"not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise IngestError(file, f"{where}byte {exc.start}",
                          "not UTF-8 text (binary data?)") from None
    except RecursionError:
        offset = deep_at(raw)
        raise IngestError(file, f"{where}byte {offset if offset is not None else 0}",
                          f"JSON nested more than {MAX_DEPTH} levels deep; no health "
                          "record is, so the file is refused") from None
