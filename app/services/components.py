"""Third-party components and their licences: the About dialog's list and the desktop
build's LICENSES folder come from here.

In a pip install the components are the distributions `healthinsight` requires, followed
through their own requirements (with the extras they name), read from the installed
metadata. A frozen bundle carries no metadata of its own: the build wrote the same list,
with Python itself and the licence files, into LICENSES/components.json, read back here.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LICENCES = Path(__file__).resolve().parents[2] / "resources" / "licences"
# Qt is LGPL-3.0: its notice (how to replace Qt, where its source is) and the licence
# texts go with every Qt for Python distribution.
QT_FILES = tuple(LICENCES / name for name in
                 ("Qt-LGPL-notice.txt", "LGPL-3.0.txt", "GPL-3.0.txt"))
QT_DISTRIBUTIONS = ("pyside6", "pyside6-essentials", "pyside6-addons", "pyside6-webengine",
                    "pyside6-pdf", "shiboken6")
INDEX = "components.json"
_LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


@dataclass(frozen=True)
class Component:
    """One third-party component: its licence in words and the files that hold its text."""

    name: str
    version: str
    licence: str
    files: tuple[Path, ...]

    def text(self) -> str:
        texts = [f"== {path.name} ==\n{path.read_text(encoding='utf-8', errors='replace')}"
                 for path in self.files if path.is_file()]
        if texts:
            return "\n\n".join(texts)
        return (f"{self.name} {self.version} ships no licence file; its metadata names "
                f"the licence as: {self.licence or 'not stated'}.")


def licence_of(meta: metadata.PackageMetadata) -> str:
    """PEP 639's License-Expression, else the License field, else the classifiers."""
    if meta.get("License-Expression"):
        return str(meta["License-Expression"])
    words = (meta.get("License") or "").strip()
    if words and len(words) <= 80 and "\n" not in words:
        return words
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return ", ".join(classifiers) or (words.splitlines()[0] if words else "")


def licence_files(dist: metadata.Distribution) -> tuple[Path, ...]:
    files = [Path(str(dist.locate_file(f))) for f in dist.files or []
             if ".dist-info" in str(f) and _LICENCE_FILE.search(f.name)]
    if canonicalize_name(dist.metadata["Name"]) in QT_DISTRIBUTIONS:
        files += QT_FILES
    return tuple(files)


def requirement_closure(requirements: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions these requirements reach (markers evaluated here)."""
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(text, "") for text in requirements]
    while todo:
        text, extra = todo.pop()
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = found.get(name) or metadata.distribution(req.name)
        except metadata.PackageNotFoundError:  # an optional part not installed here
            continue
        found[name] = dist
        for wanted in ("", *sorted(req.extras)):
            if (name, wanted) not in done:
                done.add((name, wanted))
                todo += [(sub, wanted) for sub in dist.requires or []]
    return [found[name] for name in sorted(found)]


def components(requirements: Iterable[str]) -> tuple[Component, ...]:
    return tuple(
        Component(name=dist.metadata["Name"], version=dist.version,
                  licence=licence_of(dist.metadata), files=licence_files(dist))
        for dist in requirement_closure(requirements))


def bundle_licences() -> Path | None:
    """The LICENSES folder of a frozen bundle (None in a pip install)."""
    if not getattr(sys, "frozen", False):
        return None
    exe = Path(sys.executable).resolve().parent
    if sys.platform == "darwin":  # HealthInsight.app/Contents/MacOS/healthinsight
        return exe.parent / "Resources" / "LICENSES"
    return exe / "LICENSES"


def read_index(folder: Path) -> tuple[Component, ...]:
    entries = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    return tuple(Component(name=e["name"], version=e["version"], licence=e["licence"],
                           files=tuple(folder / f for f in e["files"])) for e in entries)


def app_components() -> tuple[Component, ...]:
    """What this copy of HealthInsight runs on, with licences."""
    folder = bundle_licences()
    if folder is not None:
        return read_index(folder)
    try:
        return components(metadata.requires("healthinsight") or [])
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return ()
