"""The first sentence answers the question that was asked, in plain grammar."""

from __future__ import annotations

from tests.agents.test_team_service import pick


def test_screening_question_answers_with_the_checks(service_factory, team_vault) -> None:
    service, _ = service_factory()
    pid, _ = pick(team_vault, "2093-3")
    result = service.ask("Am I due for any screenings?", patient_id=pid)
    summary = result.synthesis.summary
    prevention = next(s for s in result.medical_team.specialists
                      if s.type == "preventive_medicine")
    assert prevention.status == "completed"
    assert "routine checks" in summary.split(":")[0]
    assert "I found no measurements" not in summary


def test_correlation_sentence_reads_as_a_sentence(service_factory, team_vault) -> None:
    service, _ = service_factory()
    pid, _ = pick(team_vault, "29463-7")
    result = service.ask("Is there a correlation between my weight and my blood pressure?",
                         patient_id=pid)
    first = result.synthesis.summary
    assert first.startswith(("Your Body Weight and", "There are too few paired")), first
