"""Uploaded files on their way to the ImportService.

Starlette spools each multipart part to a temporary file past 1 MB; this copies it in
chunks into a private folder (0700) under one server-owned root, so an upload of any
size never sits in memory. The ImportService deletes the files when it is done
(delete_after=True); emptied folders are swept on the next upload and at shutdown.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def safe_name(filename: str | None, index: int) -> str:
    """The file's own base name (no folders, no hidden names), else a numbered one."""
    name = Path((filename or "").replace("\\", "/")).name.strip().lstrip(".")
    return name[:200] or f"upload-{index}"


class Uploads:
    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()

    def _folder(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="healthinsight-uploads-"))
            self._sweep()
            return Path(tempfile.mkdtemp(dir=self._root))

    def save(self, files: list[tuple[str | None, BinaryIO]]) -> list[Path]:
        """Copy (filename, stream) pairs into a new private folder; their paths in order."""
        folder = self._folder()
        paths: list[Path] = []
        for index, (filename, stream) in enumerate(files, start=1):
            name = safe_name(filename, index)
            target = folder / name
            if target.exists():
                target = folder / f"{index}-{name}"
            with target.open("wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
            paths.append(target)
        return paths

    def _sweep(self) -> None:
        """Remove folders whose files the ImportService has already deleted."""
        assert self._root is not None
        for folder in self._root.iterdir():
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def cleanup(self) -> None:
        with self._lock:
            if self._root is not None and self._root.exists():
                self._sweep()
                if not any(self._root.iterdir()):
                    self._root.rmdir()
                    self._root = None
