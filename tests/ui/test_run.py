"""`healthinsight gui` with no display says how to use the command line instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.settings import Settings
from ui.main import has_display


def test_gui_without_a_display_points_to_serve_and_ask(tmp_path: Path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["HEALTHINSIGHT_HOME"] = str(tmp_path / "home")
    done = subprocess.run([sys.executable, "-m", "app.cli", "gui"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "healthinsight serve" in done.stderr
    assert "healthinsight ask" in done.stderr
    assert not (tmp_path / "home").exists()  # nothing was created on the way out


def test_has_display_reads_x11_wayland_or_an_explicit_qt_platform(tmp_path: Path):
    bare = Settings(home=tmp_path).model_copy(
        update={"display": None, "wayland_display": None, "qt_qpa_platform": None})
    assert not has_display(bare, platform="linux")
    assert has_display(bare, platform="darwin")
    assert has_display(bare.model_copy(update={"display": ":0"}), platform="linux")
    assert has_display(bare.model_copy(update={"wayland_display": "wayland-0"}),
                       platform="linux")
    assert has_display(bare.model_copy(update={"qt_qpa_platform": "offscreen"}),
                       platform="linux")
