"""All configuration, read once from the environment. No other module reads os.environ.

Variables are HEALTHINSIGHT_<FIELD> (e.g. HEALTHINSIGHT_HOME, HEALTHINSIGHT_PASSPHRASE,
HEALTHINSIGHT_API_PORT); OLLAMA_HOST is honoured as the Ollama client does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("HealthInsight", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEALTHINSIGHT_", extra="ignore",
                                      populate_by_name=True)

    home: Path = Field(default_factory=_default_home)
    passphrase: SecretStr | None = None
    new_passphrase: SecretStr | None = None  # for `vault passphrase` run headless

    llm_engine: Literal["auto", "ollama", "offline"] = "auto"
    ollama_host: str = Field(
        default="http://127.0.0.1:11434",
        validation_alias=AliasChoices("HEALTHINSIGHT_OLLAMA_HOST", "OLLAMA_HOST"),
    )
    ollama_model: str = "llama3.1:8b"
    ollama_timeout_seconds: float = 60.0
    specialist_timeout_seconds: float = 90.0

    api_host: str = "127.0.0.1"
    api_port: int = 8765
    api_enabled: bool = True  # whether the desktop app starts the local API with its window
    appearance: Literal["system", "light", "dark"] = "system"  # the desktop app's colours
    # Worker threads for the API's blocking routes. DuckDB prefers few readers at once, but
    # a booking waiting for its group commit holds a thread idle, so the threads bound a
    # group: 32 (the vault's most pooled connections, 8 + 24 overflow, so no reader waits
    # for one) let groups reach ~16-20 of 50 clients; at 16, groups averaged 8 and the
    # clinic benchmark gave 64 req/s against 100 at 32 (load 3-4, tests/perf/clinic.py).
    api_threads: int = 32
    access_token_minutes: int = 60
    refresh_token_days: int = 30

    # Rate limits: requests per window, per user (clinic API: per organization).
    rate_auth: tuple[int, int] = (5, 15 * 60)
    rate_queries: tuple[int, int] = (20, 60 * 60)
    rate_import: tuple[int, int] = (5, 60 * 60)
    rate_general: tuple[int, int] = (100, 60)
    rate_clinic: tuple[int, int] = (1000, 60 * 60)

    login_lock_after: int = 5
    login_lock_minutes: int = 15
    max_import_bytes: int = 4 * 1024**3  # uncompressed bytes one import may expand to
    # DuckDB's memory, threads and allocator flushing for the vault while an import runs
    # (set by the import service; beyond the limit it spills to encrypted temporary
    # files): keeps a big import's RSS small; the previous values come back when it ends.
    # Not lower: at 32 MB DuckDB 1.5.5's checkpoint of the observations table (with the
    # stored judgement columns) fails with "Corrupted in-memory column" and invalidates the
    # vault (tests/storage/test_ingest_chunks.py::test_writer_checkpoints_once_per_row_group).
    db_memory_limit: str = "48MB"
    db_threads: int = 1
    db_import_allocator_flush: str = "2MB"

    # Whether a desktop window can appear: `healthinsight gui` checks these on Linux and
    # says how to use `serve` and `ask` instead when there is no display.
    display: str | None = Field(default=None, validation_alias=AliasChoices("DISPLAY"))
    wayland_display: str | None = Field(
        default=None, validation_alias=AliasChoices("WAYLAND_DISPLAY"))
    qt_qpa_platform: str | None = Field(
        default=None, validation_alias=AliasChoices("QT_QPA_PLATFORM"))
    # One line on stderr once the main window is shown (the desktop build's start-time
    # measurement and smoke test wait for it).
    report_startup: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
