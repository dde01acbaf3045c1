"""The whole team through QueryService on real imported records (offline engine): answers
equal values computed from the raw bundles, events in order, failures, timeouts,
cancellation, patient choice, owners, follow-ups and stored charts."""

from __future__ import annotations

import threading
import time

import plotly.graph_objects as go
import pytest

from agents.team.analyses import ANALYSES
from agents.team.job import Job
from agents.team.roster import PROMPTS
from app.services.errors import NotFound, ValidationFailed
from storage.vault import Vault
from tests.agents.raw_fhir import expected_trend, load
from tests.agents.test_tools_synthea import BUNDLES, patient_id


def pick(vault: Vault, code: str, minimum: int = 3) -> tuple[str, list]:
    for bundle in BUNDLES:
        raw = load(bundle)
        if len(raw.series(code)) >= minimum:
            return patient_id(vault, raw.resource_id), raw.series(code)
    raise AssertionError(f"no patient with {minimum} results for {code}")


def check_key_finding(found: dict, points: list) -> None:
    want = expected_trend(points)
    assert found.n == want["n"]
    assert (found.first_date, found.last_date) == (want["first_date"], want["last_date"])
    assert found.current_value == pytest.approx(want["current_value"], abs=1e-4)
    assert found.change_percentage == pytest.approx(want["change_percentage"], abs=0.051)


def test_cholesterol_trend_answer_matches_the_raw_bundle(service_factory, team_vault) -> None:
    service, events = service_factory()
    pid, points = pick(team_vault, "2093-3")
    result = service.ask("What's my cholesterol trend?", patient_id=pid)
    assert result.status == "completed" and result.engine == "offline"
    assert service.runs.running() == 0  # the run coordinator let go of the finished query
    assert result.complexity == "standard"
    first = result.synthesis.key_findings[0]
    assert first.code == "2093-3" and first.metric == "Total Cholesterol"
    check_key_finding(first, points)
    summary = result.synthesis.summary
    assert summary.startswith("Your Total Cholesterol has been")  # the answer comes first
    assert want_date(points) in summary.split(". ")[0]
    # "cholesterol" charts the lipid panel the person has, every reading drawn once
    raw = next(load(b) for b in BUNDLES if patient_id(team_vault, load(b).resource_id) == pid)
    panel = [raw.series(c) for c in ("2093-3", "18262-6", "2085-9", "2571-8")]
    assert result.visualization.type == "multi_metric"
    assert result.visualization.data_points == sum(len(p) for p in panel)
    viz = service.get_visualization(result.visualization.component_id, owner_id=None)
    go.Figure(viz.figure)  # valid Plotly
    assert viz.component["type"] == "LineChart"
    assert viz.component["props"]["config"]["yAxis"] == ["total_cholesterol", "ldl", "hdl",
                                                            "triglycerides"]
    assert len(viz.component["props"]["data"]) == len({t.date() for p in panel for t, _ in p})


def want_date(points: list) -> str:
    return points[-1][0].date().isoformat()


def test_latest_hba1c_is_simple_and_endocrine(service_factory, team_vault) -> None:
    service, _ = service_factory()
    pid, points = pick(team_vault, "4548-4")
    result = service.ask("What is my latest HbA1c?", patient_id=pid)
    assert result.complexity == "simple"
    assert [s.type for s in result.medical_team.specialists] == ["endocrinology"]
    check_key_finding(result.synthesis.key_findings[0], points)
    assert result.synthesis.summary.startswith("Your most recent Hemoglobin A1c was")


def test_events_follow_the_spec_order(service_factory, team_vault) -> None:
    service, events = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    result = service.ask("Is my weight related to my blood pressure?", patient_id=pid)
    mine = [e for e in events if e["query_id"] == result.query_id]
    kinds = [e["type"] for e in mine]
    assert kinds[0] == "query_status" and kinds[-1] == "query_complete"
    assert kinds.index("cmo_synthesis") > max(i for i, k in enumerate(kinds)
                                              if k == "specialist_complete")
    team = [s.type for s in result.medical_team.specialists]
    for sid in team:
        updates = [i for i, e in enumerate(mine) if e["type"] == "specialist_update"
                   and e["data"]["specialist"] == sid]
        done = [i for i, e in enumerate(mine) if e["type"] == "specialist_complete"
                and e["data"]["specialist"] == sid]
        assert updates and len(done) == 1 and max(updates) < done[0]
    progress = [e["data"]["progress"] for e in mine if e["type"] == "query_status"]
    assert progress == sorted(progress) and all(0 <= p <= 1 for p in progress)
    synth = next(e for e in mine if e["type"] == "cmo_synthesis")["data"]
    assert synth["specialists_complete"] == synth["specialists_total"] == len(team)
    complete = mine[-1]["data"]
    assert complete["status"] == "completed" and complete["has_visualization"] is True
    assert complete["redirect_url"] == f"/queries/{result.query_id}"


def test_a_failing_specialist_is_reported_and_the_answer_still_comes(
        service_factory, team_vault, monkeypatch) -> None:
    def broken(job: Job) -> list:
        raise RuntimeError("lab system offline")

    monkeypatch.setitem(ANALYSES, "laboratory", broken)
    service, events = service_factory()
    pid, points = pick(team_vault, "2093-3")
    result = service.ask("What's my cholesterol trend?", patient_id=pid)
    team = {s.type: s for s in result.medical_team.specialists}
    assert team["laboratory"].status == "failed"
    assert "lab system offline" not in team["laboratory"].findings  # type only, no message
    assert team["cardiology"].status == "completed"
    assert result.status == "completed"
    check_key_finding(result.synthesis.key_findings[0], points)
    assert any("Dr. Lab" in c for c in result.synthesis.concerns)


def test_a_slow_specialist_times_out(service_factory, team_vault, monkeypatch) -> None:
    def slow(job: Job) -> list:
        while True:  # stops only when the run gives up on it
            job.step("waiting", 0.5)
            time.sleep(0.02)

    monkeypatch.setitem(ANALYSES, "laboratory", slow)
    service, _ = service_factory(specialist_timeout_seconds=0.5)
    pid, _ = pick(team_vault, "2093-3")
    result = service.ask("What's my cholesterol trend?", patient_id=pid)
    team = {s.type: s for s in result.medical_team.specialists}
    assert team["laboratory"].status == "failed"
    assert "timed out" in team["laboratory"].findings
    assert result.synthesis.key_findings


def test_cancel_stops_the_query(service_factory, team_vault, monkeypatch) -> None:
    started = threading.Event()

    def waits(job: Job) -> list:
        started.set()
        while True:
            job.step("waiting", 0.5)
            time.sleep(0.02)

    monkeypatch.setitem(ANALYSES, "cardiology", waits)
    service, events = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    submitted = service.submit("What's my cholesterol trend?", patient_id=pid)
    assert started.wait(10)
    assert service.cancel(submitted.query_id)
    result = service.wait(submitted.query_id, timeout=10)
    assert result.status == "cancelled"
    last = [e for e in events if e["query_id"] == submitted.query_id][-1]
    assert last["type"] == "query_complete" and last["data"]["status"] == "cancelled"
    assert not service.cancel(submitted.query_id)


def test_patient_choice_and_owners(service_factory, team_vault) -> None:
    service, _ = service_factory()
    with pytest.raises(ValidationFailed) as err:
        service.submit("What is my LDL?")
    assert len(err.value.details["patients"]) == len(BUNDLES)
    with pytest.raises(NotFound):
        service.submit("What is my LDL?", patient_id="pat_nobody")
    pid, _ = pick(team_vault, "2093-3")
    with pytest.raises(NotFound):  # the patient belongs to the vault owner, not this user
        service.submit("What is my LDL?", owner_id="usr_other", patient_id=pid)
    result = service.ask("What is my LDL?", patient_id=pid)
    assert service.get(result.query_id, owner_id="usr_other") is None
    assert service.get_conversation(result.conversation_id, owner_id="usr_other") is None
    viz = result.visualization.component_id
    assert service.get_visualization(viz, owner_id="usr_other") is None
    assert service.get_visualization(viz, owner_id=None) is not None
    assert service.list_conversations(owner_id="usr_other").pagination.total == 0


def test_follow_up_uses_the_conversation(service_factory, team_vault) -> None:
    service, _ = service_factory()
    pid, _ = pick(team_vault, "18262-6")
    raw = next(load(b) for b in BUNDLES if patient_id(team_vault, load(b).resource_id) == pid)
    first = service.ask("What's my cholesterol trend?", patient_id=pid)
    follow = service.ask("and my LDL?", conversation_id=first.conversation_id)
    assert follow.patient_id == pid  # the conversation remembers the patient
    found = follow.synthesis.key_findings[0]
    assert found.code == "18262-6" and found.trend != "insufficient_data"
    check_key_finding(found, raw.series("18262-6"))
    conversation = service.get_conversation(first.conversation_id, owner_id=None)
    assert [q.query for q in conversation.queries] == ["What's my cholesterol trend?",
                                                       "and my LDL?"]
    stored = team_vault.conversations.specialist_results(query_id=follow.query_id,
                                                         owner_id=None)
    assert {r["specialist"] for r in stored} == {
        s.type for s in follow.medical_team.specialists}
    listing = service.list_conversations(owner_id=None, limit=1)
    assert listing.conversations[0].query_count == 2
    assert listing.conversations[0].last_query == "and my LDL?"


def test_red_flags_put_the_urgent_notice_first(service_factory, team_vault) -> None:
    service, _ = service_factory()
    pid, _ = pick(team_vault, "8480-6")
    result = service.ask("I have crushing chest pain right now, what is my blood pressure?",
                         patient_id=pid)
    assert result.urgent is True
    assert result.synthesis.summary.startswith("Urgent:")
    assert result.synthesis.recommendations[0].startswith("Seek urgent care")


def test_comprehensive_question_runs_the_whole_team(service_factory, team_vault) -> None:
    service, _ = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    result = service.ask("Give me a full assessment of my overall health", patient_id=pid)
    team = result.medical_team.specialists
    assert len(team) == 8 and all(s.status == "completed" for s in team)
    assert 0 < result.medical_team.cmo.confidence <= 1
    assert result.synthesis.disclaimer


def test_specialists_listing(service_factory) -> None:
    service, _ = service_factory()
    listed = service.specialists().specialists
    assert [s.id for s in listed][:2] == ["cardiology", "laboratory"]
    assert {s.name for s in listed} >= {"Dr. Heart", "Dr. Lab", "Dr. Hormone",
                                        "Dr. Analytics", "Dr. Prevention", "Dr. Pharma",
                                        "Dr. Nutrition"}
    assert all((PROMPTS / f"{s.id}.md").exists() for s in listed)


def test_conversation_created_with_a_first_query(service_factory, team_vault) -> None:
    service, _ = service_factory()
    with pytest.raises(ValidationFailed):  # several patients: nothing is created
        service.create_conversation(owner_id=None, title="Lipids", first_query="What is my LDL?")
    assert service.list_conversations(owner_id=None).pagination.total == 0
    pid, _ = pick(team_vault, "2093-3")
    first = service.ask("What's my cholesterol trend?", patient_id=pid)
    follow = service.ask("and my HDL?", conversation_id=first.conversation_id)
    assert follow.patient_id == pid  # the patient carries over without being named
    assert follow.synthesis.key_findings[0].code == "2085-9"


def test_a_patient_without_records_gets_a_plain_answer(service_factory, team_vault) -> None:
    from tests.agents.rows import add_patient

    service, _ = service_factory()
    pid = add_patient(team_vault, "pat_empty", name="No Records")
    result = service.ask("What is my latest HbA1c?", patient_id=pid)
    assert result.status == "completed"
    assert result.synthesis.summary.startswith("I found no Hemoglobin A1c results")
    assert result.synthesis.key_findings == [] and result.visualization is None
    overall = service.ask("Give me a full assessment of my overall health", patient_id=pid)
    assert overall.status == "completed" and overall.medical_team.cmo.confidence < 0.5


def test_get_shows_the_team_while_it_works(service_factory, team_vault, monkeypatch) -> None:
    release = threading.Event()

    def waits(job: Job) -> list:
        while not release.is_set():
            job.step("waiting", 0.5)
            time.sleep(0.02)
        return []

    monkeypatch.setitem(ANALYSES, "laboratory", waits)
    service, _ = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    submitted = service.submit("What's my cholesterol trend?", patient_id=pid)
    assert submitted.status == "processing" and submitted.complexity == "standard"
    assert submitted.query_id.startswith("qry_")
    assert submitted.conversation_id.startswith("conv_")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        live = service.get(submitted.query_id, owner_id=None)
        states = {s.type: s.status for s in live.medical_team.specialists}
        # Both threads must have reported: the lab one may not have started yet.
        if states == {"cardiology": "completed", "laboratory": "analyzing"}:
            break
        time.sleep(0.02)
    assert live.status == "processing" and live.engine == "offline"
    assert states == {"cardiology": "completed", "laboratory": "analyzing"}
    release.set()
    done = service.wait(submitted.query_id, timeout=10)
    assert done.status == "completed" and done.completed_at is not None


def test_no_status_after_the_synthesis_starts(service_factory, team_vault) -> None:
    service, events = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    result = service.ask("Give me a full assessment of my overall health", patient_id=pid)
    kinds = [e["type"] for e in events if e["query_id"] == result.query_id]
    phases = ["query_status", "specialist_update", "specialist_complete", "cmo_synthesis",
              "query_complete"]
    first_seen = sorted(phases, key=kinds.index)
    assert first_seen == phases
    assert kinds[kinds.index("cmo_synthesis"):] == ["cmo_synthesis", "query_complete"]


def test_a_conversation_page_is_reused_only_until_the_next_write(service_factory) -> None:
    """The list is built once per read the repository caches: asked again with nothing
    written it is the same page; a new conversation makes a new page that holds it."""
    service, _ = service_factory()
    first = service.list_conversations(owner_id=None, limit=100)
    assert service.list_conversations(owner_id=None, limit=100) is first
    service.create_conversation(owner_id=None, title="Kept apart")
    after = service.list_conversations(owner_id=None, limit=100)
    assert after is not first
    assert after.pagination.total == first.pagination.total + 1
    assert [c.title for c in after.conversations].count("Kept apart") == \
        [c.title for c in first.conversations].count("Kept apart") + 1
    assert after.wire()["pagination"]["total"] == after.pagination.total
