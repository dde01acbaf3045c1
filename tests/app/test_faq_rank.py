"""FAQ ranking: synonyms and stems find the entry a patient means; unrelated questions get
"I don't know" and the phone number, never a wrong entry."""

from __future__ import annotations

import pytest

from app.services.assist.faq import THRESHOLD, FaqEntry, FaqIndex

ENTRIES = [
    FaqEntry("faq-1", "What are your visiting hours?",
             "Visitors are welcome from 10:00 to 20:00 every day.", "general_info"),
    FaqEntry("faq-2", "Where can I park?", "Parking is in the garage on Elm Street.",
             "general_info"),
    FaqEntry("faq-3", "Which insurance plans do you accept?",
             "We accept Blue Cross, Aetna and Medicare.", "billing"),
    FaqEntry("faq-4", "How do I cancel an appointment?",
             "Call us at least 24 hours ahead or use the portal.", "appointments"),
    FaqEntry("faq-5", "Can I get a prescription refill?",
             "Ask your provider through the portal; refills take two business days.",
             "pharmacy"),
]


@pytest.mark.parametrize(("question", "expected"), [
    ("When can my family visit?", "faq-1"),
    ("what are your visiting hours", "faq-1"),
    ("Is there parking for my car?", "faq-2"),
    ("Do you take Medicare?", "faq-3"),
    ("I need to cancel my booking", "faq-4"),
    ("How do I refill my medication?", "faq-5"),
])
def test_finds_the_entry_meant(question: str, expected: str) -> None:
    found = FaqIndex(ENTRIES).search(question, phone="+1-555-0100")
    assert found.answered and found.entry is not None
    assert found.entry.id == expected
    assert found.answer == next(e.answer for e in ENTRIES if e.id == expected)
    assert found.confidence >= THRESHOLD


@pytest.mark.parametrize("question", [
    "Do you sell car insurance?", "What is the capital of France?", "", "???",
    "Can you recommend a good pizza place nearby?",
])
def test_does_not_guess(question: str) -> None:
    found = FaqIndex(ENTRIES).search(question, phone="+1-555-0100")
    assert not found.answered and found.entry is None
    assert "+1-555-0100" in found.answer and "don't know" in found.answer


def test_category_narrows_and_empty_faq_knows_nothing() -> None:
    found = FaqIndex(ENTRIES).search("What are the hours?", category="general_info")
    assert found.entry is not None and found.entry.id == "faq-1"
    assert not FaqIndex([]).search("visiting hours?").answered
