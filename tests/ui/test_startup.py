"""From launch to the window: the vault opens off the Qt thread, asking only when needed."""

from __future__ import annotations

import signal
from pathlib import Path

from app.context import AppContext
from tests.conftest import PASSPHRASE
from tests.ui.conftest import offline_settings
from ui import main as ui_main
from ui.dialogs.unlock import UnlockDialog
from ui.main_window import MainWindow
from ui.qt import QApplication, QTimer
from ui.startup import open_vault


def _when_modal(qtbot, act) -> list[object]:
    """Run `act(dialog)` once a modal dialog is up (open_vault blocks in exec())."""
    seen: list[object] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, poll)
    return seen


def test_a_vault_with_its_passphrase_given_opens_without_asking(qtbot, vault_home: Path):
    ctx = AppContext(offline_settings(vault_home, passphrase=PASSPHRASE))
    try:
        assert open_vault(ctx)
        assert QApplication.activeModalWidget() is None
        assert ctx.vault.info().key_storage == "passphrase"
    finally:
        ctx.close()


def test_a_wrong_passphrase_from_the_environment_falls_back_to_asking(qtbot, vault_home):
    ctx = AppContext(offline_settings(vault_home, passphrase="not the passphrase"))

    def type_it(dialog: UnlockDialog) -> None:
        dialog.passphrase.setText(PASSPHRASE)
        dialog.unlock_button.click()

    seen = _when_modal(qtbot, type_it)
    try:
        assert open_vault(ctx)
        assert len(seen) == 1 and isinstance(seen[0], UnlockDialog)
        assert ctx.vault.info().key_storage == "passphrase"
    finally:
        ctx.close()


def test_cancelling_the_unlock_dialog_opens_nothing(qtbot, locked_ctx):
    seen = _when_modal(qtbot, lambda dialog: dialog.reject())
    assert not open_vault(locked_ctx)
    assert len(seen) == 1
    assert locked_ctx.settings.passphrase is None


def test_run_opens_the_window_and_closes_everything_on_quit(qtbot, vault_home):
    ctx = AppContext(offline_settings(vault_home, passphrase=PASSPHRASE))
    ctx.settings.api_port = 0
    windows: list[MainWindow] = []

    def close_when_served() -> None:
        window = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, MainWindow) and w.isVisible()), None)
        if window is None or window.api is None:
            QTimer.singleShot(50, close_when_served)
            return
        windows.append(window)
        window.close()

    # run() installs its own Ctrl+C/TERM handlers; the test process gets its own back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    QTimer.singleShot(0, close_when_served)
    try:
        assert ui_main.run(ctx) == 0
    finally:
        ctx.close()
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert len(windows) == 1
    assert windows[0].api is None  # the local API stopped with the window



def test_no_vault_yet_asks_to_create_one(qtbot, tmp_path: Path):
    ctx = AppContext(offline_settings(tmp_path / "new-home"))

    def create(dialog) -> None:
        dialog.passphrase.setText("first vault phrase")
        dialog.repeat.setText("first vault phrase")
        dialog.create_button.click()

    seen = _when_modal(qtbot, create)
    try:
        assert open_vault(ctx)
        assert type(seen[0]).__name__ == "FirstRunDialog"
        assert ctx.vault.info().key_storage == "passphrase"
    finally:
        ctx.close()


def test_a_vault_open_elsewhere_is_said_plainly_and_nothing_is_asked(qtbot, vault_home):
    """Another live process holds the vault (here this one, through a second open): one
    box says what, why and what to do, naming that process; no passphrase is asked."""
    import os

    from storage.vault import Vault

    holder = Vault.open(vault_home, passphrase=PASSPHRASE)
    try:
        for passphrase in (None, PASSPHRASE):  # locked, and ready to open
            ctx = AppContext(offline_settings(vault_home, passphrase=passphrase))
            seen = _when_modal(qtbot, lambda box: box.done(0))
            try:
                assert not open_vault(ctx)
            finally:
                ctx.close()
            [box] = seen
            assert box.windowTitle() == "Your vault is already open"
            text = box.text()
            assert f"process {os.getpid()}" in text
            assert "close that program, then start HealthInsight again" in text
            assert "Traceback" not in text and "duckdb" not in text.lower()
    finally:
        holder.close()
    ctx = AppContext(offline_settings(vault_home, passphrase=PASSPHRASE))
    try:
        assert open_vault(ctx)  # once the other program has closed it, it opens
    finally:
        ctx.close()
