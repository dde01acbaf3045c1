"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on Python 3.11 dropped
a reference to None on every Qt call that returns nothing, so a window aborted the whole
process ("deallocating None") after a few thousand label updates or event-loop turns.
In a child process, because the failure is an abort, not an exception."""

from __future__ import annotations

import os
import subprocess
import sys

CALLS = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(20_000):
    label.setText("x")
    app.processEvents()
print(before - sys.getrefcount(None))
"""


def test_void_qt_calls_keep_none_alive():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CALLS], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) < 100  # 40,000 void calls lost nothing
