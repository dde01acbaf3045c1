"""Reading untrusted XML safely: no entities, no DTD loading, no network, bounded size.

libxml2 expands internal entities inside attribute values even with
``resolve_entities=False``, so a document whose DOCTYPE declares any entity is refused
before lxml sees it ("billion laughs", external entities / XXE). Apple's export.xml
carries an internal DTD of ELEMENT/ATTLIST declarations only, which is allowed.
Streams are wrapped in a reader that stops at a byte limit (zip bombs, huge files).
"""

from __future__ import annotations

import re
from typing import IO, Any

from lxml import etree

from storage.errors import IngestError

HEAD = 256 * 1024
PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
    "dtd_validation": False, "remove_comments": True, "remove_pis": True,
}
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def check_prolog(head: bytes, label: str) -> None:
    """Refuse entity declarations in the DOCTYPE (the only place they can be); the whole
    internal subset must lie in `head` (streamed Apple exports are checked only here)."""
    m = _DOCTYPE.search(head)
    if m is None:
        return
    subset = head[m.start():]
    opening = re.search(rb"[\[>]", subset)
    if opening is not None and opening.group() == b"[":
        end = subset.find(b"]>")
        if end < 0:  # the rest could declare entities unseen
            raise IngestError(label, f"byte {m.start()}", "the DOCTYPE's internal subset is "
                              f"longer than {HEAD // 1024} KB; such files are refused")
        subset = subset[:end]
    elif opening is not None:
        subset = subset[:opening.end()]
    pos = subset.find(b"<!ENTITY")
    if pos >= 0:
        raise IngestError(label, f"byte {m.start() + pos}",
                          "XML entity declarations are refused (they enable entity expansion "
                          "and external entity attacks)")


def check_docinfo(tree: Any, label: str) -> None:
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise IngestError(label, "DOCTYPE", "XML entity declarations are refused")


class LimitedReader:
    """A binary stream for lxml that refuses to read past `limit` bytes."""

    def __init__(self, stream: IO[bytes], limit: int, label: str, head: bytes = b"") -> None:
        self._stream = stream
        self._head = head
        self.limit = limit
        self.label = label
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
        else:
            chunk = self._stream.read(size if size and size > 0 else 64 * 1024)
        self.done += len(chunk)
        if self.done > self.limit:
            raise IngestError(self.label, f"byte {self.limit}", f"expands beyond the import limit "
                              f"of {self.limit} bytes (a zip bomb, or a file too large)")
        return chunk


def open_checked(stream: IO[bytes], limit: int, label: str) -> LimitedReader:
    """The stream, its prolog checked for entity declarations, with a byte limit."""
    head = stream.read(HEAD)
    check_prolog(head, label)
    return LimitedReader(stream, limit, label, head)


def syntax_error(label: str, exc: etree.XMLSyntaxError) -> IngestError:
    line, column = exc.position if exc.position else (0, 0)
    return IngestError(label, f"line {line} column {column}", f"not well-formed XML: {exc.msg}")


_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")


HL7_PREFIXES = {b"xsi": b"http://www.w3.org/2001/XMLSchema-instance",
                b"sdtc": b"urn:hl7-org:sdtc"}


def declare_prefixes(data: bytes) -> bytes:
    """Declare `xsi`/`sdtc` on the root when a document uses them undeclared (HL7's C-CDA
    examples do); nothing else about the document changes."""
    m = _ROOT.search(data)
    if m is None:
        return data
    start_tag = data[m.start():data.find(b">", m.end()) + 1]
    extra = b"".join(b' xmlns:%s="%s"' % (prefix, uri) for prefix, uri in HL7_PREFIXES.items()
                     if prefix + b":" in data and b"xmlns:" + prefix + b"=" not in start_tag)
    return data[:m.end()] + extra + data[m.end():] if extra else data
