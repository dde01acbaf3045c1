"""First-run and unlock dialogs on real encrypted vaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.context import AppContext
from storage.errors import VaultKeyError
from storage.vault import Vault, exists
from tests.conftest import PASSPHRASE
from tests.ui.conftest import offline_settings
from ui.dialogs.first_run import FirstRunDialog
from ui.dialogs.unlock import UnlockDialog
from ui.qt import QDialog


@pytest.fixture
def new_ctx(tmp_path: Path):
    ctx = AppContext(offline_settings(tmp_path / "fresh"))
    yield ctx
    ctx.close()


def test_first_run_creates_an_encrypted_vault_with_the_passphrase(qtbot, new_ctx):
    dialog = FirstRunDialog(new_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.passphrase.isEnabled()  # no real keyring here: the passphrase is the way
    dialog.passphrase.setText("a long enough phrase")
    dialog.repeat.setText("a long enough phrase")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20000)

    home = new_ctx.settings.home
    assert exists(home)
    assert new_ctx.vault.key_storage == "passphrase"
    with pytest.raises(VaultKeyError):
        Vault.open(home, passphrase="not it")
    new_ctx.close()
    Vault.open(home, passphrase="a long enough phrase").close()


def test_first_run_refuses_passphrases_that_differ(qtbot, new_ctx):
    dialog = FirstRunDialog(new_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.passphrase.setText("a long enough phrase")
    dialog.repeat.setText("a long enough phrasE")
    dialog.create_button.click()
    assert dialog.error.isVisible()
    assert "differ" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert not exists(new_ctx.settings.home)


def test_unlock_rejects_a_wrong_passphrase_then_accepts_the_right_one(qtbot, locked_ctx):
    dialog = UnlockDialog(locked_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.passphrase.setText(PASSPHRASE + "!")
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert "Wrong passphrase" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert locked_ctx.settings.passphrase is None  # the wrong one is not kept
    assert dialog.unlock_button.isEnabled()  # ready to retry

    dialog.passphrase.setText(PASSPHRASE)
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20000)
    assert locked_ctx.vault.info().key_storage == "passphrase"


def test_first_run_with_a_keyring_needs_no_passphrase(qtbot, new_ctx, memory_keyring):
    dialog = FirstRunDialog(new_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.use_keyring.isVisible() and dialog.use_keyring.isChecked()
    assert not dialog.passphrase.isEnabled()
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20000)
    assert new_ctx.vault.key_storage == "keyring"
    assert len(memory_keyring.items) == 1
    assert not (new_ctx.settings.home / "vault.key").exists()
