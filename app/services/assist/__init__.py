"""The front desk's assistant: FAQ answers, the scheduling chat, analytics and reports.

`ctx.assist` is an `AssistServices`; each service takes an `Access` resolved by the
route's permission (app/api/permits.py) and reads the clinic and scheduling services.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.assist.chat import ChatService
    from app.services.assist.faq_service import FaqService
    from app.services.assist.insights import InsightService
    from app.services.clinic import ClinicServices
    from app.settings import Settings
    from storage.vault import Vault


class AssistServices:
    def __init__(self, vault: Vault, clinic: ClinicServices, settings: Settings) -> None:
        self._vault = vault
        self._clinic = clinic
        self._settings = settings

    @cached_property
    def faq(self) -> FaqService:
        from app.services.assist.faq_service import FaqService

        return FaqService(self._clinic)

    @cached_property
    def chat(self) -> ChatService:
        from app.services.assist.chat import ChatService

        return ChatService(self._vault, self._clinic, self.faq, self._settings)

    @cached_property
    def insights(self) -> InsightService:
        from app.services.assist.insights import InsightService

        return InsightService(self._vault, self._clinic)
