"""The team with a model: QueryService in `auto` mode finds the loopback stand-in, uses
its structured assessment and its prose when the prose only repeats given numbers, and
the templated prose when it invents one."""

from __future__ import annotations

import json
import re
from typing import Any

from agents.assess import ASSESSMENT_SCHEMA
from agents.llm.select import forget_probes
from tests.agents.ollama_standin import Reply, standin
from tests.agents.test_team_service import check_key_finding, pick


def echo_first_fact(body: dict[str, Any]) -> Reply:
    """Assessment JSON for schema requests; else a sentence restating the first fact."""
    if body.get("format"):
        return Reply(chunks=[json.dumps({"complexity": "standard",
                                         "specialists": ["cardiology"]})])
    user = body["messages"][-1]["content"]
    fact = re.search(r"^- (.+)$", user, re.M)
    return Reply(chunks=["In short: ", fact.group(1) if fact else "nothing was found."])


def inventor(body: dict[str, Any]) -> Reply:
    if body.get("format"):
        return Reply(chunks=["not json at all"])
    return Reply(chunks=["Your cholesterol is 999 mg/dL."])


def test_auto_mode_uses_the_model_and_keeps_grounded_prose(service_factory, team_vault) -> None:
    forget_probes()
    with standin(echo_first_fact) as server:
        service, _ = service_factory(llm_engine="auto", ollama_host=server.host)
        pid, points = pick(team_vault, "2093-3")
        submitted = service.submit("What's my cholesterol trend?", patient_id=pid)
        result = service.wait(submitted.query_id, timeout=60)
        assert result.engine == "ollama:llama3.1:8b"
        # Assessed once, by rules, at submit: the 202's complexity is the stored one.
        assert result.medical_team.cmo.assessment["source"] == "rules"
        assert result.complexity == submitted.complexity == "standard"
        assert [s.type for s in result.medical_team.specialists] == ["cardiology",
                                                                              "laboratory"]
        heart = result.medical_team.specialists[0]
        assert heart.findings.startswith("In short: Total Cholesterol")
        assert result.synthesis.engine == "ollama:llama3.1:8b"
        assert result.synthesis.summary.startswith("In short: ")
        check_key_finding(result.synthesis.key_findings[0], points)  # numbers: queries
        assert not any(r.get("format") == ASSESSMENT_SCHEMA for r in server.requests)
    forget_probes()


def test_invented_numbers_and_bad_json_fall_back(service_factory, team_vault) -> None:
    forget_probes()
    with standin(inventor) as server:
        service, _ = service_factory(llm_engine="ollama", ollama_host=server.host)
        pid, points = pick(team_vault, "2093-3")
        result = service.ask("What's my cholesterol trend?", patient_id=pid)
        assert result.engine == "ollama:llama3.1:8b"
        assert result.medical_team.cmo.assessment["source"] == "rules"
        prose = [result.synthesis.summary,
                 *(s.findings for s in result.medical_team.specialists)]
        assert not any("999" in text for text in prose)
        assert "999" in result.synthesis.fallback_reason  # says why it was dropped
        assert result.synthesis.engine == "offline"
        assert result.synthesis.summary.startswith("Your Total Cholesterol has been")
        check_key_finding(result.synthesis.key_findings[0], points)
    forget_probes()


def test_offline_flag_never_calls_the_model(service_factory, team_vault) -> None:
    with standin(echo_first_fact) as server:
        service, _ = service_factory(llm_engine="auto", ollama_host=server.host)
        pid, _ = pick(team_vault, "2093-3")
        result = service.ask("What's my cholesterol trend?", patient_id=pid, offline=True)
        assert result.engine == "offline" and server.requests == []


def test_a_slow_model_costs_the_prose_not_the_answer(service_factory, team_vault) -> None:
    """The model streams slower than the specialist deadline allows: the specialists fall
    back to templated prose before their deadline instead of failing."""
    def slow(body: dict[str, Any]) -> Reply:
        if body.get("format"):
            return Reply(chunks=["{}"])
        return Reply(chunks=["Your "] * 40, delay=0.1)

    forget_probes()
    with standin(slow) as server:
        service, _ = service_factory(llm_engine="ollama", ollama_host=server.host,
                                     specialist_timeout_seconds=2.0)
        pid, points = pick(team_vault, "2093-3")
        result = service.ask("What's my cholesterol trend?", patient_id=pid)
        team = result.medical_team.specialists
        assert all(s.status == "completed" and s.engine == "offline" for s in team)
        check_key_finding(result.synthesis.key_findings[0], points)
    forget_probes()
