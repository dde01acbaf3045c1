"""Key/value settings kept inside the vault (secrets such as the API signing key too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.schema import settings

if TYPE_CHECKING:
    from storage.vault import Vault


class SettingsRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def get(self, key: str, default: Any = None) -> Any:
        with self._vault.reads.connect() as conn:
            row = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).first()
        return default if row is None else row[0]

    def set(self, key: str, value: Any) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.delete(settings).where(settings.c.key == key))
            conn.execute(sa.insert(settings).values(key=key, value=value))

    def get_or_create(self, key: str, factory: Any) -> Any:
        """A value made once per vault (e.g. the token signing secret)."""
        value = self.get(key)
        if value is None:
            value = factory()
            self.set(key, value)
        return value
