"""The deterministic parser: intent by keyword rules, entities by libraries.

Dates come from dateparser in the organization's IANA zone relative to an injectable
"now" (so "next Tuesday" is testable); clock times are read with a small pattern first
because dateparser turns "the 2:30 one" into a date (the "one"); providers are matched
with rapidfuzz against the organization's own providers, so "Dr. Smyth" finds
Dr. John Smith. Used when no model is available, and as the model path's fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from dateparser.search import search_dates
from rapidfuzz import fuzz, process

from app.services.assist.understanding import (
    ClockTime,
    Entities,
    ProviderRef,
    Understanding,
)
from app.services.clinic.scheduling.rules import DEFAULT_TYPES

RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cancel", re.compile(r"\bcancel|\bcall off\b|can'?t make it|\bwon'?t make it")),
    ("reschedule", re.compile(r"\breschedul|\bmove (?:my|the|it)|\bpostpone|\bchange (?:my|the)"
                              r" (?:appointment|time|booking)|different (?:time|day)")),
    ("check_availability", re.compile(r"\bavailab|\bopenings?\b|\bfree (?:slots?|time)|"
                                      r"\bany (?:slots?|times?)\b|when (?:is|can) .* free")),
    ("appointment_booking", re.compile(r"\bappointment|\bbook\b|\bbooking|\bschedul|"
                                       r"\bsee (?:dr|doctor)\b|\bcome in\b|\bslot\b")),
    ("clinic_information", re.compile(r"\bhours?\b|\bopen\b|\bpark|\baddress|\binsurance|"
                                      r"\bphone\b|\bwhere\b|\bvisit(?:ing|ors?)?\b|\bfax\b")),
)
YES = re.compile(r"^\s*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|confirm(?:ed)?|correct|please do|"
                 r"book it|that works|sounds good|perfect|great)\b")
NO = re.compile(r"^\s*(?:no|nope|nah|don'?t|do not|never ?mind|not that)\b")
TIME = re.compile(r"\b(\d{1,2})(?::([0-5]\d))?\s*(a\.?m\.?|p\.?m\.?)?(?=\W|$)")
DATE_WORDS = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:jan|feb|mar|apr|may|"
                        r"jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\btoday\b|\btomorrow\b|\bweek\b|"
                        r"\bdays?\b|\d+(?:st|nd|rd|th)\b|\d{1,4}[/-]\d{1,2}")
PART = re.compile(r"\b(morning|afternoon|evening)\b")
REASON = re.compile(r"\b(?:for|because of|because|about|regarding|reason is)\s+(?:a |an |my )?"
                    r"([a-z][a-z \-']{2,60}?)(?=$|[.,;!?]| with | on | next | this | at "
                    r"| tomorrow| today| in the )")
HONORIFIC = re.compile(r"\b(?:dr|doctor|nurse|np|pa)\.?\s+([a-z][a-z'\-]+)")
DEFAULT_TYPE_NAMES = tuple(t.name for t in DEFAULT_TYPES)
NAME_MATCH = 88
TITLED_MATCH = 75

def _type_pattern(name: str) -> re.Pattern[str]:
    """An appointment type's name as said: "follow_up" is "follow-up" or "follow up"."""
    words = [w for w in re.split(r"[\s_\-]+", name.lower()) if w]
    return re.compile(r"\b" + r"[\s_\-]?".join(map(re.escape, words)) + r"\b")


class Parser:
    def __init__(self, *, providers: Sequence[ProviderRef], timezone: str,
                 appointment_types: Sequence[str] = DEFAULT_TYPE_NAMES) -> None:
        """`appointment_types`: the organization's type names, as the scheduler knows
        them (a named type is booked under exactly that name)."""
        self.providers = list(providers)
        self.zone = ZoneInfo(timezone)
        self.types = list(appointment_types) or list(DEFAULT_TYPE_NAMES)
        self._type_patterns = [(_type_pattern(t), t) for t in self.types]

    def understand(self, message: str, *, now: datetime) -> Understanding:
        text = " ".join(message.lower().split())
        affirmation = True if YES.match(text) else False if NO.match(text) else None
        entities = self.entities(text, now=now)
        intent = next((name for name, rule in RULES if rule.search(text)), None)
        if intent is None and affirmation is None and (entities.provider or entities.date
                                                       or entities.time):
            intent = "appointment_booking"  # "the 2:30 one", "Dr. Smith on Friday"
        found = sum(x is not None for x in (entities.provider, entities.date, entities.time,
                                            entities.part_of_day))
        if intent is None:
            return Understanding("general", 0.9 if affirmation is not None else 0.5,
                                 entities, affirmation)
        return Understanding(intent, min(0.8 + 0.05 * found, 0.95), entities, affirmation)

    def entities(self, text: str, *, now: datetime) -> Entities:
        clock, rest = _clock(text)
        part = PART.search(rest)
        provider, candidates = self.provider(rest)
        return Entities(provider=provider, provider_candidates=candidates,
                        date=self._date(rest, now), time=clock,
                        part_of_day=part.group(1) if part else None,
                        reason=self._reason(rest), appointment_type=self.appointment_type(rest))

    def provider(self, text: str) -> tuple[ProviderRef | None, tuple[ProviderRef, ...]]:
        """The provider a name in `text` means, or the several it could mean. Each of a
        provider's name parts scores its best-matching word; the parts' sum decides, so
        "Anna Smith" beats "John Smith". A word after "Dr." may be misspelt a little more."""
        titled = [m.group(1) for m in HONORIFIC.finditer(text)]
        words = titled or re.findall(r"[a-z][a-z'\-]{2,}", text)
        cutoff = TITLED_MATCH if titled else NAME_MATCH
        scored: dict[str, tuple[float, ProviderRef]] = {}
        for provider in self.providers:
            tokens = [t for t in re.findall(r"[a-z][a-z'\-]+", provider.name.lower())
                      if t not in ("dr", "doctor", "md", "do", "np", "rn", "pa")]
            total = 0.0
            for token in tokens:
                hit = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=cutoff)
                total += hit[1] if hit is not None else 0.0
            if total:
                scored[provider.id] = (total, provider)
        if not scored:
            return None, ()
        top = max(score for score, _ in scored.values())
        best = tuple(p for score, p in scored.values() if score == top)
        return (best[0], ()) if len(best) == 1 else (None, best)

    def _date(self, text: str, now: datetime) -> datetime.date | None:
        local = now.astimezone(self.zone).replace(tzinfo=None)
        settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": local,
                    "RETURN_AS_TIMEZONE_AWARE": False}
        found = search_dates(PART.sub(" ", text), languages=["en"], settings=settings) or []
        for phrase, value in found:
            if DATE_WORDS.search(phrase):
                return value.date()
        return None

    def _reason(self, text: str) -> str | None:
        match = REASON.search(text)
        if match is None:
            return None
        reason = match.group(1).strip()
        return None if DATE_WORDS.search(reason) or PART.search(reason) else reason

    def appointment_type(self, text: str) -> str | None:
        """The organization's appointment type `text` names, by its configured name."""
        lowered = text.lower()
        return next((name for pattern, name in self._type_patterns if pattern.search(lowered)),
                    None)


def _clock(text: str) -> tuple[ClockTime | None, str]:
    """The first clock time said ("2:30", "at 3 pm", "10am"), and the text without it."""
    for match in TIME.finditer(text):
        hour, minute, meridiem = match.group(1), match.group(2), match.group(3)
        before = text[max(match.start() - 3, 0):match.start()]
        if minute is None and meridiem is None and not before.endswith("at "):
            continue  # a bare number is a count or a day, not a time
        h, m = int(hour), int(minute or 0)
        if h > 23 or (meridiem and not 1 <= h <= 12):
            continue
        mer = meridiem.replace(".", "")[:2] if meridiem else None
        if mer is None and h >= 13:
            mer = "pm"
        clock = ClockTime(h if mer != "pm" or h <= 12 else h - 12, m, mer)
        return clock, text[:match.start()] + " " + text[match.end():]
    return None, text
