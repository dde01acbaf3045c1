"""Uploaded files on their way to the ImportService, kept inside the vault's folder.

Health records never touch the system's temporary folder: each upload gets a private
folder (0700) under the vault's ``uploads/`` and every file in it is written 0600, in
chunks, so an upload of any size never sits in memory. Each file gets a sub-folder of
its own, so two files of the same name are both kept under that name. The
ImportService deletes them when the job ends (delete_after=True); emptied folders are
swept on the next upload and at shutdown, and the vault empties ``uploads/`` when it is
next opened, should the process die before that.
"""

from __future__ import annotations

import os
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
    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()

    def save(self, files: list[tuple[str | None, BinaryIO]]) -> list[Path]:
        """Copy (filename, stream) pairs into a new private folder; their paths in order."""
        with self._lock:
            self._sweep()
            folder = Path(tempfile.mkdtemp(dir=self._root, prefix="upl-"))  # 0700
        paths: list[Path] = []
        for index, (filename, stream) in enumerate(files, start=1):
            own = folder / str(index)
            own.mkdir(mode=0o700)
            target = own / safe_name(filename, index)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
            paths.append(target)
        return paths

    def _sweep(self) -> None:
        """Remove upload folders whose files the ImportService has already deleted."""
        for folder in self._root.iterdir():
            if folder.is_dir() and not any(p.is_file() for p in folder.rglob("*")):
                shutil.rmtree(folder, ignore_errors=True)

    def cleanup(self) -> None:
        with self._lock:
            if self._root.exists():
                self._sweep()
