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


def test_gui_on_a_vault_it_can_unlock_opens_the_window_and_stops_cleanly(tmp_path: Path):
    """The straight-in start (the unlock begun while the window's modules load): the
    window is shown, and SIGTERM closes it the normal way, the vault released."""
    from storage.vault import Vault

    home = tmp_path / "home"
    vault = Vault.create(home, passphrase="run test passphrase", use_keyring=False,
                         scrypt_n=2**12)
    vault.close()
    env = dict(os.environ, HEALTHINSIGHT_HOME=str(home), QT_QPA_PLATFORM="offscreen",
               HEALTHINSIGHT_PASSPHRASE="run test passphrase", HEALTHINSIGHT_API_PORT="0",
               HEALTHINSIGHT_LLM_ENGINE="offline", HEALTHINSIGHT_REPORT_STARTUP="1")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "gui"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    said = []
    for line in proc.stderr:
        said.append(line)
        if "main window shown" in line:
            break
    proc.terminate()
    assert proc.wait(60) == 0, "".join(said)
    assert any("main window shown" in line for line in said), "".join(said)
    Vault.open(home, passphrase="run test passphrase").close()  # released: opens again
