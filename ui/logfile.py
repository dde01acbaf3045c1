"""The local log: `logs/healthinsight.log` beside the vault, rotated at 1 MB.

What goes there is what ui/errors.py and the services log: exception types and code
locations, never messages or values, which may hold patient data.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def start(home: Path) -> Path:
    folder = home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "healthinsight.log"
    root = logging.getLogger()
    if not any(isinstance(h, RotatingFileHandler) and Path(h.baseFilename) == path
               for h in root.handlers):
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                      encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.setLevel(logging.WARNING)
        root.addHandler(handler)
    return path
