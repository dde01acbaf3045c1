"""Settings dialog: engine and Ollama choices are kept in the vault and applied."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.services import preferences
from app.settings import Settings
from ui.dialogs.settings import SettingsDialog
from ui.qt import QDialog, Qt


@pytest.fixture
def ollama_stand_in() -> Iterator[str]:
    """An Ollama-protocol server on loopback that knows one model (GET /api/tags)."""

    class Tags(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps({"models": [{"name": "tiny:1b", "model": "tiny:1b",
                                           "size": 1, "digest": "x"}]}).encode()
            self.send_response(200 if self.path == "/api/tags" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tags)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_saved_choices_persist_in_the_vault_and_apply(qtbot, ctx):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.engine.setCurrentIndex(dialog.engine.findData("ollama"))
    dialog.host.setText("http://127.0.0.1:11500")
    dialog.model.setCurrentText("llama3.2:3b")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    assert ctx.settings.llm_engine == "ollama"
    assert ctx.vault.settings.get("ui.ollama_model") == "llama3.2:3b"

    fresh = Settings(home=ctx.settings.home)
    preferences.apply_saved(ctx.vault, fresh)
    assert (fresh.llm_engine, fresh.ollama_host, fresh.ollama_model) == (
        "ollama", "http://127.0.0.1:11500", "llama3.2:3b")
    explicit = Settings(home=ctx.settings.home, llm_engine="offline")
    preferences.apply_saved(ctx.vault, explicit)
    assert explicit.llm_engine == "offline"  # what was set for this run wins


def test_an_empty_model_is_refused_and_nothing_is_saved(qtbot, ctx):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.model.setCurrentText("  ")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10000)
    assert "empty" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert ctx.vault.settings.get("ui.ollama_model") is None


def test_engine_status_follows_what_ollama_has(tmp_path, ollama_stand_in):
    def status(**fields: str) -> str:
        settings = Settings(home=tmp_path)
        for name, value in fields.items():  # ollama_host is read by alias: set it after
            setattr(settings, name, value)
        return preferences.engine_status(settings).engine

    assert status(ollama_host=ollama_stand_in, ollama_model="tiny:1b") == "ollama:tiny:1b"
    assert status(ollama_host=ollama_stand_in, ollama_model="absent:7b") == "offline"
    assert status(ollama_host=ollama_stand_in, ollama_model="tiny:1b",
                  llm_engine="offline") == "offline"
    settings = Settings(home=tmp_path)
    settings.ollama_host = ollama_stand_in
    assert preferences.installed_models(settings) == ["tiny:1b"]


def test_the_dialog_lists_installed_models(qtbot, ctx, ollama_stand_in):
    ctx.settings.ollama_host = ollama_stand_in
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.count() == 1, timeout=10000)
    assert dialog.model.itemText(0) == "tiny:1b"


def test_api_and_appearance_choices_are_validated_saved_and_applied(qtbot, ctx):
    from ui import resources
    from ui.qt import QApplication

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.api_enabled.setChecked(False)
    dialog.api_port.setValue(9911)
    dialog.appearance.setCurrentIndex(dialog.appearance.findData("dark"))
    dialog.host.setText("127.0.0.1:11434")  # no scheme: refused
    dialog.save()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10000)
    assert "http://" in dialog.error.text()
    dialog.host.setText("http://127.0.0.1:11434")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    assert (ctx.settings.api_enabled, ctx.settings.api_port, ctx.settings.appearance) == \
        (False, 9911, "dark")
    fresh = Settings(home=ctx.settings.home)
    preferences.apply_saved(ctx.vault, fresh)
    assert (fresh.api_enabled, fresh.api_port, fresh.appearance) == (False, 9911, "dark")

    app = QApplication.instance()
    resources.set_appearance(app, "dark")
    assert app.palette().window().color().lightness() < 60  # dark surfaces
    assert "#151b20" in app.styleSheet()
    resources.set_appearance(app, "light")
    assert app.palette().window().color().lightness() > 180
    assert "#151b20" not in app.styleSheet()


def _create_token(qtbot, ctx):
    """Settings › Tokens › Create token, as a person would: (the dialog, the new token)."""
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.tokens
    dialog.pages.setCurrentWidget(page)
    before = len(page.rows())
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.new_token.isVisible() and len(page.rows()) == before + 1,
                    timeout=10000)
    return dialog, page.new_token.text()


def test_tokens_are_created_shown_once_listed_and_revoked(qtbot, ctx):
    # a vault the command line made, on which nobody ran `user add`
    assert ctx.vault.users.count() == 0
    dialog, token = _create_token(qtbot, ctx)
    page = dialog.tokens
    assert ctx.auth.authenticate(token).is_owner  # a working token of the vault's owner
    assert page.rows()[0][3] == "active"
    page.table.selectRow(0)
    qtbot.mouseClick(page.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.rows()[0][3].startswith("revoked"), timeout=10000)
    with pytest.raises(Exception):  # noqa: B017 - AuthFailed, whatever its subclass
        ctx.auth.authenticate(token)


def test_a_desktop_only_person_owns_the_vault_and_user_add_claims_it(qtbot, tmp_path):
    """First run makes the owner account with no password (nobody can log in as it);
    a token made in Settings speaks for it; a later `user add` gives it an email and
    password, and the token still works for the same owner."""
    from app.context import AppContext
    from app.services.tokens import AuthFailed
    from tests.ui.conftest import offline_settings
    from ui.dialogs.first_run import FirstRunDialog

    ctx = AppContext(offline_settings(tmp_path / "fresh"))
    try:
        first_run = FirstRunDialog(ctx)
        qtbot.addWidget(first_run)
        first_run.show()
        first_run.passphrase.setText("a long enough phrase")
        first_run.repeat.setText("a long enough phrase")
        first_run.create_button.click()
        qtbot.waitUntil(lambda: first_run.result() == QDialog.DialogCode.Accepted,
                        timeout=20000)
        owner = ctx.vault.users.owner()
        assert owner is not None and owner["password_hash"] is None
        with pytest.raises(AuthFailed):
            ctx.auth.login(owner["email"], "")

        _, token = _create_token(qtbot, ctx)
        principal = ctx.auth.authenticate(token)
        assert (principal.user_id, principal.is_owner) == (owner["id"], True)

        claimed = ctx.auth.add_user("me@example.org", "a long enough password", name="Me")
        assert (claimed.id, claimed.is_owner) == (owner["id"], True)
        assert ctx.vault.users.count() == 1
        assert ctx.auth.login("me@example.org", "a long enough password").user.id \
            == owner["id"]
        assert ctx.auth.authenticate(token).user_id == owner["id"]
        second = ctx.auth.add_user("you@example.org", "another long password")
        assert not second.is_owner  # only the first claims the owner account
    finally:
        ctx.close()


def test_the_passphrase_changes_only_with_the_current_one(qtbot, ctx):
    from storage.vault import Vault
    from tests.conftest import PASSPHRASE

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.passphrase
    dialog.pages.setCurrentWidget(page)
    page.current.setText("not the passphrase")
    page.new.setText("a brand new passphrase")
    page.repeat.setText("a brand new passphrase")
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.message.text()), timeout=20000)
    assert page.message.objectName() == "errorText"
    page.current.setText(PASSPHRASE)
    page.new.setText("a brand new passphrase")
    page.repeat.setText("a brand new passphrase")
    page.message.setText("")
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text().startswith("Passphrase changed"), timeout=20000)
    home = ctx.settings.home
    ctx.close()
    Vault.open(home, passphrase="a brand new passphrase").close()  # the new one opens it
