"""A query that fails as a whole says so plainly: no exception text reaches the stored
answer, the events or the log (it may quote someone's records)."""

from __future__ import annotations

import logging

import pytest

from agents.team import run as run_module
from app.services import queries as queries_module
from tests.agents.test_team_service import pick

SECRET = "Jane Roe glucose 123 mg/dL"


def test_a_failed_query_keeps_its_reason_out_of_answers_and_logs(
        service_factory, team_vault, monkeypatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(**kwargs: object) -> None:
        raise ValueError(SECRET)

    monkeypatch.setattr(run_module, "answer", broken)  # the service imports it per run
    service, events = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    with caplog.at_level(logging.DEBUG):
        result = service.ask("What's my cholesterol trend?", patient_id=pid)
    assert result.status == "failed"
    assert result.error == queries_module.FAILED_MESSAGE
    complete = [e for e in events if e["type"] == "query_complete"]
    assert complete and complete[-1]["data"]["status"] == "failed"
    assert SECRET not in repr(events) and SECRET not in repr(result)
    assert SECRET not in caplog.text and "ValueError" in caplog.text
