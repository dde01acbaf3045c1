"""The person's choices made in the desktop app: engine, Ollama host and model, the local
API (on or off, its port) and the appearance (system, light, dark).

They are kept inside the vault (`settings` table), so they travel with it and stay
encrypted. Loading them never overrides what was set explicitly for this run
(environment or command line): `HEALTHINSIGHT_LLM_ENGINE=offline` still wins.
The Settings object is updated in place because the services hold a reference to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from app.services.errors import ValidationFailed
from app.settings import Settings
from storage.vault import Vault

KEYS = ("llm_engine", "ollama_host", "ollama_model", "api_enabled", "api_port", "appearance")
APPEARANCES: tuple[str, ...] = get_args(Settings.model_fields["appearance"].annotation)
ENGINES: tuple[str, ...] = get_args(Settings.model_fields["llm_engine"].annotation)
PREFIX = "ui."


@dataclass(frozen=True)
class EngineStatus:
    """What the status bar says about the language model."""

    engine: str  # "ollama:<model>" or "offline"
    detail: str  # why, for a tooltip


def apply_saved(vault: Vault, settings: Settings) -> None:
    """Copy saved choices into `settings`, except the ones set explicitly for this run."""
    explicit = set(settings.model_fields_set)
    for key in KEYS:
        value = vault.settings.get(PREFIX + key)
        if value is not None and key not in explicit:
            setattr(settings, key, value)


def save(vault: Vault, settings: Settings, **changes: Any) -> None:
    """Check, persist and apply new choices; unknown keys or values are refused."""
    unknown = set(changes) - set(KEYS)
    if unknown:
        raise ValidationFailed(f"unknown setting {sorted(unknown)[0]!r}")
    if "llm_engine" in changes and changes["llm_engine"] not in ENGINES:
        raise ValidationFailed(f"engine must be one of {', '.join(ENGINES)}")
    for key in ("ollama_host", "ollama_model"):
        if key in changes and not str(changes[key]).strip():
            raise ValidationFailed(f"{key.replace('_', ' ')} cannot be empty")
    if "ollama_host" in changes and not str(changes["ollama_host"]).strip().startswith(
            ("http://", "https://")):
        raise ValidationFailed("the Ollama host must start with http:// or https://")
    if "api_port" in changes and not (isinstance(changes["api_port"], int)
                                      and 1024 <= changes["api_port"] <= 65535):
        raise ValidationFailed("the API port must be a whole number from 1024 to 65535")
    if "api_enabled" in changes and not isinstance(changes["api_enabled"], bool):
        raise ValidationFailed("the API is either on or off")
    if "appearance" in changes and changes["appearance"] not in APPEARANCES:
        raise ValidationFailed(f"appearance must be one of {', '.join(APPEARANCES)}")
    for key, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        vault.settings.set(PREFIX + key, value)
        setattr(settings, key, value)
    from agents.llm.select import forget_probes

    forget_probes()  # the team probes Ollama again with the new choices


def installed_models(settings: Settings, *, timeout: float = 2.0) -> list[str]:
    """The models the Ollama server has; empty when it cannot be reached."""
    from agents.llm.base import EngineError
    from agents.llm.ollama_engine import OllamaEngine

    engine = OllamaEngine(host=settings.ollama_host, model=settings.ollama_model)
    try:
        return sorted(engine.models(timeout=timeout))
    except EngineError:  # unreachable, refused, timed out: the app just works offline
        return []


def engine_status(settings: Settings) -> EngineStatus:
    """Which engine answers would use now (the team decides per query; this is a preview)."""
    if settings.llm_engine == "offline":
        return EngineStatus("offline", "the offline engine was chosen in settings")
    models = installed_models(settings)
    model = settings.ollama_model
    if (model if ":" in model else f"{model}:latest") in models or model in models:
        return EngineStatus(f"ollama:{settings.ollama_model}",
                            f"Ollama at {settings.ollama_host}")
    if not models:
        why = f"Ollama is not reachable at {settings.ollama_host}"
    else:
        why = f"the model {settings.ollama_model} is not installed in Ollama"
    if settings.llm_engine == "ollama":
        return EngineStatus(f"ollama:{settings.ollama_model}", f"{why}; answers may fail")
    return EngineStatus("offline", f"{why}; answers use the offline engine")
