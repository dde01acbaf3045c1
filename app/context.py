"""The composition root: one object that builds the vault and the services on demand.

The CLI, the API server and the desktop UI all start from an AppContext, so each
service is built in one place and shared (one vault connection per process).
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from app.settings import Settings
from storage.vault import Vault

if TYPE_CHECKING:
    from agents.events import EventBus
    from app.services.auth import AuthService
    from app.services.clinic import ClinicServices
    from app.services.imports import ImportService
    from app.services.queries import QueryService


class AppContext:
    def __init__(self, settings: Settings, vault: Vault | None = None) -> None:
        self.settings = settings
        self._vault = vault
        self._lock = threading.Lock()

    @property
    def vault(self) -> Vault:
        with self._lock:
            if self._vault is None:
                passphrase = self.settings.passphrase
                self._vault = Vault.open(
                    self.settings.home,
                    passphrase=passphrase.get_secret_value() if passphrase else None,
                )
            return self._vault

    @cached_property
    def bus(self) -> EventBus:
        from agents.events import EventBus

        return EventBus()

    @cached_property
    def imports(self) -> ImportService:
        from app.services.imports import ImportService

        return ImportService(self.vault, self.settings)

    @cached_property
    def queries(self) -> QueryService:
        from app.services.queries import QueryService

        return QueryService(self.vault, self.bus, self.settings)

    @cached_property
    def auth(self) -> AuthService:
        from app.services.auth import AuthService

        return AuthService(self.vault, self.settings)

    @cached_property
    def clinic(self) -> ClinicServices:
        from app.services.clinic import ClinicServices

        return ClinicServices(self.vault, self.auth, self.imports)

    def close(self) -> None:
        if "imports" in self.__dict__:
            self.imports.close()
        if "queries" in self.__dict__:
            self.queries.close()
        with self._lock:
            if self._vault is not None:
                self._vault.close()
                self._vault = None
