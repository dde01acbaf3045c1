"""Settings: OLLAMA_HOST is honoured as the Ollama client does, and code can set fields."""

from __future__ import annotations

import pytest

from app.settings import Settings


def test_ollama_host_from_environment_and_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEALTHINSIGHT_OLLAMA_HOST", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:7000")
    assert Settings().ollama_host == "http://127.0.0.1:7000"
    monkeypatch.setenv("HEALTHINSIGHT_OLLAMA_HOST", "http://127.0.0.1:7001")
    assert Settings().ollama_host == "http://127.0.0.1:7001"
    assert Settings(ollama_host="http://127.0.0.1:7002").ollama_host == "http://127.0.0.1:7002"


def test_home_and_passphrase_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("HEALTHINSIGHT_HOME", str(tmp_path))
    monkeypatch.setenv("HEALTHINSIGHT_PASSPHRASE", "s3cret")
    settings = Settings()
    assert settings.home == tmp_path
    assert settings.passphrase is not None and settings.passphrase.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
