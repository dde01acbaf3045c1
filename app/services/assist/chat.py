"""POST /organizations/{id}/chat: the scheduling assistant, turn by turn.

Each message is understood (the model path when a model answers, else the parser),
then acted on against the real scheduler: availability from `find_slots`, a chosen
time is held (`hold`) and the person is asked to confirm, and only a "yes" books
(`book` with the hold), moves (`update`) or cancels (`cancel`). The scheduler enforces
its own rules; this service adds the conversation: what was offered, what waits for a
yes. A caregiver books only for a patient an authorization in force allows.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from agents.llm import LLMEngine, select_engine
from app.services.assist import chat_flow as flow
from app.services.assist.chat_state import ChatState, ChatStore
from app.services.assist.inputs import ChatContext
from app.services.assist.model_parse import understand
from app.services.assist.parser import Parser
from app.services.assist.results import ChatAction, ChatReply
from app.services.assist.understanding import ProviderRef, Understanding
from app.services.clinic.scheduling.rules import rules_of

if TYPE_CHECKING:
    from app.services.assist.faq_service import FaqService
    from app.services.clinic import ClinicServices
    from app.services.clinic.access import Access
    from app.settings import Settings
    from storage.vault import Vault

BOOKING_WORDS = re.compile(r"\b(?:book|new appointment|another appointment)\b")
EMERGENCY = "If this is a medical emergency, call your local emergency number now."
REASON_LENGTH = 500  # what a booking's reason holds
HELP = ("I can book, reschedule or cancel appointments and answer questions about the "
        "clinic. For example: \"I need an appointment with Dr. Smith next Tuesday afternoon\".")


class ChatService:
    def __init__(self, vault: Vault, clinic: ClinicServices, faq: FaqService,
                 settings: Settings) -> None:
        self._clinic = clinic
        self._faq = faq
        self._settings = settings
        self._store = ChatStore(vault)

    def reply(self, access: Access, *, message: str, context: ChatContext | None,
              conversation_id: str | None) -> ChatReply:
        context = context or ChatContext()
        state = self._store.open(conversation_id, organization_id=access.organization_id,
                                 user_id=access.user_id)
        state.turns += 1
        if context.patient_id:
            state.patient_id = context.patient_id
        elif state.patient_id is None and access.patient_ids and len(access.patient_ids) == 1:
            state.patient_id = next(iter(access.patient_ids))  # a patient speaks for themself
        now = self._clinic.scheduling.clock.now()
        parser = self._parser(access)
        said = understand(message, engine=self._engine(), parser=parser, now=now)
        state.appointment_type = said.entities.appointment_type or state.appointment_type
        state.reason = (said.entities.reason or state.reason or "")[:REASON_LENGTH] or None
        state.urgency = context.urgency or state.urgency
        act = flow.Flow(self._clinic, access, state, parser, now)
        text, actions = self._route(act, state, said, message, context)
        if context.urgency == "emergency":
            text = f"{EMERGENCY} {text}"
        self._store.save(state)
        return ChatReply(response=text, intent=said.intent, confidence=said.confidence,
                         entities=said.entities.to_api(), available_actions=actions,
                         conversation_id=state.id, engine=said.engine)

    def _route(self, act: flow.Flow, state: ChatState, said: Understanding, message: str,
               context: ChatContext) -> tuple[str, list[ChatAction]]:
        e = said.entities
        if state.pending is not None and said.affirmation is not None:
            return act.answer_pending(said.affirmation)
        rescheduling = state.purpose == "reschedule" and (
            said.intent in ("reschedule", "general", "check_availability")
            or (said.intent == "appointment_booking" and not BOOKING_WORDS.search(message)))
        if state.offer is not None and e.time is not None and e.date in (None, state.offer.day) \
                and said.intent != "cancel":
            return act.choose(e.time)
        if said.intent == "reschedule" or (rescheduling and (e.date or e.time)):
            return act.reschedule(said, context.preferred_date)
        if said.intent in ("appointment_booking", "check_availability"):
            state.purpose = "book"
            return act.offer(said, context.preferred_date,
                             booking=said.intent == "appointment_booking")
        if said.intent == "cancel":
            return act.cancel(said)
        if said.intent == "clinic_information":
            found = self._faq.answer(act.access, question=message, category=None)
            return found.answer, []
        return HELP, []

    def _parser(self, access: Access) -> Parser:
        page = self._clinic.providers.list(access, page=1, limit=100)
        providers = [ProviderRef(p.id, p.name) for p in page.providers]
        types = rules_of(self._clinic.organizations.get(access).settings).appointment_types
        return Parser(providers=providers, timezone=access.timezone,
                      appointment_types=[t.name for t in types])

    def _engine(self) -> LLMEngine:
        s = self._settings
        return select_engine(mode=s.llm_engine, host=s.ollama_host, model=s.ollama_model,
                             timeout=s.ollama_timeout_seconds)

