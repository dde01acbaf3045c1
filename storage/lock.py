"""Who owns a vault: an OS lock on ``vault.lock`` in its folder, which records the pid.

DuckDB locks its database file too, but a second process then gets a DuckDB message,
and nothing tells a live owner from a dead one before DuckDB reads what the dead one
left (its encrypted spill files in ``tmp/`` make the next open fail). ``flock`` is
released by the kernel when its process ends however it ends (SIGKILL, power cut), so
holding it proves the owner alive; the pid in the file only names it in the message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from storage.errors import VaultInUse

LOCK_FILE = "vault.lock"


class VaultLock:
    """Held from a successful :meth:`acquire` until :meth:`release` (or process end)."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise VaultInUse(f"the vault is in use by process {owner}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self, *, remove: bool = False) -> None:
        """Let go; `remove` deletes the file too (a vault whose creation failed)."""
        if remove:
            self.path.unlink(missing_ok=True)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None
