"""What the assistant understood from one message: intent, confidence and entities.

Shared by the deterministic parser and the model path, so both produce the same
frozen result and the chat acts on it the same way whichever wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.services.assist.results import ChatEntities, ProviderName

INTENTS = ("appointment_booking", "check_availability", "reschedule", "cancel",
           "clinic_information", "general")
PARTS_OF_DAY = ("morning", "afternoon", "evening")


@dataclass(frozen=True)
class ProviderRef:
    id: str
    name: str


@dataclass(frozen=True)
class ClockTime:
    """A time of day as said: `meridiem` None means "2:30" could be 02:30 or 14:30."""

    hour: int
    minute: int
    meridiem: str | None = None  # "am" | "pm"

    def matches(self, hhmm: str) -> bool:
        hour, minute = (int(part) for part in hhmm.split(":"))
        if minute != self.minute:
            return False
        if self.meridiem is None:
            return hour % 12 == self.hour % 12
        return hour == self.hour_24

    @property
    def hour_24(self) -> int:
        if self.meridiem == "pm" and self.hour < 12:
            return self.hour + 12
        if self.meridiem == "am" and self.hour == 12:
            return 0
        return self.hour

    def label(self) -> str:
        return f"{self.hour_24:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class Entities:
    provider: ProviderRef | None = None
    provider_candidates: tuple[ProviderRef, ...] = ()  # when a name fits several
    date: date | None = None
    time: ClockTime | None = None
    part_of_day: str | None = None
    reason: str | None = None
    appointment_type: str | None = None

    def to_api(self) -> ChatEntities:
        """The chat response's `entities`."""
        return ChatEntities(
            provider=ProviderName(id=self.provider.id, name=self.provider.name)
            if self.provider else None,
            date=self.date, time=self.time.label() if self.time else self.part_of_day,
            reason=self.reason, appointment_type=self.appointment_type)


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float
    entities: Entities = field(default_factory=Entities)
    affirmation: bool | None = None  # yes / no to a pending question
    engine: str = "rules"  # "rules" or "ollama:<model>"
