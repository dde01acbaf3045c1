"""POST /organizations/{id}/faq on a real server: entries from the organization's
settings, a hit with its citation, a miss with the clinic's phone, a category."""

from __future__ import annotations

from tests.api.clinic import make_org
from tests.api.conftest import Api

FAQ = [
    {"id": "visiting", "question": "What are your visiting hours?",
     "answer": "Visitors are welcome 10:00-20:00 daily.", "category": "general_info"},
    {"question": "Where can I park?", "answer": "In the Elm Street garage.",
     "category": "general_info"},
    {"question": "Which insurance do you accept?", "answer": "Blue Cross and Medicare.",
     "category": "billing"},
]


def test_faq_hit_miss_and_citation(api: Api) -> None:
    org = make_org(api, contactInfo={"phone": "+1-555-0100"})
    saved = org.admin.put(org.url("/settings"), json={"faq": FAQ})
    assert saved.status_code == 200, saved.text
    hit = org.admin.post(org.url("/faq"), json={"question": "When can my family visit?"})
    assert hit.status_code == 200, hit.text
    data = hit.json()["data"]
    assert data["answered"] is True and data["answer"] == FAQ[0]["answer"]
    assert data["source"] == {"id": "visiting", "question": FAQ[0]["question"]}
    parking = org.admin.post(org.url("/faq"), json={"question": "is there parking?",
                                                    "category": "general_info"}).json()["data"]
    assert parking["source"] == {"id": "faq-2", "question": FAQ[1]["question"]}
    miss = org.admin.post(org.url("/faq"), json={"question": "Do you sell car insurance?"})
    data = miss.json()["data"]
    assert data["answered"] is False and data["source"] is None
    assert "+1-555-0100" in data["answer"]
    empty = org.admin.post(org.url("/faq"), json={"question": ""})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "VALIDATION_ERROR"
    other = make_org(api)
    foreign = other.admin.post(org.url("/faq"), json={"question": "visiting hours?"})
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "ORGANIZATION_NOT_FOUND"
