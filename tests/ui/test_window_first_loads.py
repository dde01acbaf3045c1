"""What the window loads when it opens beside the first pages a person reads: the
clinic's and the team's modules are a second of Python holding the GIL, and a personal
vault whose conversations are listed needs neither (until a question is asked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSPHRASE

OPEN = """
import gc
import sys
from pathlib import Path
from app.context import AppContext
from tests.ui.conftest import offline_settings
from ui import ops
from ui.main_window import MainWindow
from ui.qt import QApplication, QTimer
app = QApplication([])
ctx = AppContext(offline_settings(Path(sys.argv[1]), passphrase=sys.argv[2]))
window = MainWindow(ctx, start_api=False)
window.show()
def check():
    if window.sidebar.patients.count() and not ops.busy():  # every first load shown
        app.quit()
poll = QTimer(interval=20)
poll.timeout.connect(check)
poll.start()
app.exec()
print(gc.get_freeze_count() > 10_000)  # start-up's objects, out of full collections' way
print(window.clinic is None, sorted(m for m in sys.modules
                                    if m.startswith(("app.services.clinic", "agents.llm",
                                                     "agents.team.run", "agents.tools"))))
window.close()
ops.shutdown()
ctx.close()
"""


def test_a_personal_vaults_window_lists_everything_without_the_clinic_or_the_team(
        vault_home: Path) -> None:
    """In a process of its own, so no other test's imports count: once the patients and
    the (empty) conversation list are shown, only the clinic check is loaded. What the
    start made is frozen, out of the way of every full garbage collection."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", OPEN, str(vault_home), PASSPHRASE],
                         cwd=root, env=env, capture_output=True, text=True, timeout=120,
                         check=True).stdout
    frozen, loaded = out.strip().splitlines()[-2:]
    assert frozen == "True"
    assert loaded == "True ['app.services.clinic_presence']"
