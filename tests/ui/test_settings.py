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
from ui.qt import QDialog


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
