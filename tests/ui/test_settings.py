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


def test_tokens_are_created_shown_once_listed_and_revoked(qtbot, ctx):
    ctx.auth.add_user("owner@example.org", "a long enough password")  # the first: the owner
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.tokens
    dialog.pages.setCurrentWidget(page)
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.new_token.isVisible() and len(page.rows()) == 1,
                    timeout=10000)
    token = page.new_token.text()
    assert ctx.auth.authenticate(token) is not None  # a working token
    assert page.rows()[0][3] == "active"
    page.table.selectRow(0)
    qtbot.mouseClick(page.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.rows()[0][3].startswith("revoked"), timeout=10000)
    with pytest.raises(Exception):  # noqa: B017 - AuthFailed, whatever its subclass
        ctx.auth.authenticate(token)


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
