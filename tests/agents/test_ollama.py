"""The Ollama engine through the real `ollama` client against a loopback stand-in:
model list, structured output, streaming, timeout with one retry, server down, invalid
JSON, cancellation, and a narrative with invented numbers falling back to the template."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from agents.assess import ASSESSMENT_SCHEMA
from agents.cmo import ChiefMedicalOfficer
from agents.llm import EngineCancelled, OfflineEngine, OllamaEngine, select_engine
from agents.llm.select import forget_probes
from agents.question import parse
from tests.agents.ollama_standin import Reply, standin

FACTS = ["LDL Cholesterol: 113 mg/dL on 2019-01-16, decreasing (-19.3% from 140 mg/dL on "
         "2010-01-16; 10 results), within the reference range."]
TEMPLATE = "TEMPLATE " + FACTS[0]


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def engine(host: str, timeout: float = 5.0) -> OllamaEngine:
    return OllamaEngine(host=host, model="llama3.1:8b", timeout=timeout)


def test_model_list_and_reachability() -> None:
    with standin(lambda body: Reply(), models=("llama3.1:8b", "qwen2.5:3b")) as server:
        assert engine(server.host).models() == ["llama3.1:8b", "qwen2.5:3b"]
        assert engine(server.host).available()
        assert not OllamaEngine(host=server.host, model="mistral").available()
    assert not engine(closed_port()).available()


def test_auto_picks_ollama_when_the_model_is_there_else_offline() -> None:
    forget_probes()
    with standin(lambda body: Reply()) as server:
        chosen = select_engine(mode="auto", host=server.host, model="llama3.1:8b", timeout=5)
        assert chosen.name == "ollama:llama3.1:8b"
        missing = select_engine(mode="auto", host=server.host, model="absent:1b", timeout=5)
        assert isinstance(missing, OfflineEngine)
    forget_probes()
    down = select_engine(mode="auto", host=closed_port(), model="llama3.1:8b", timeout=5)
    assert down.name == "offline"
    assert select_engine(mode="ollama", host="x", model="m", timeout=1, offline=True).name == \
        "offline"


def test_streaming_prose_with_given_numbers_is_kept() -> None:
    pieces = ["Your LDL ", "fell to 113 mg/dL ", "by 2019-01-16, ", "a -19.3% change."]
    with standin(lambda body: Reply(chunks=pieces)) as server:
        tokens: list[str] = []
        written = engine(server.host).write(system="sys", question="How is my LDL?",
                                            facts=FACTS, template=TEMPLATE,
                                            on_token=tokens.append)
        assert tokens == pieces
        assert written.text == "".join(pieces).strip()
        assert written.engine == "ollama:llama3.1:8b"
        sent = server.requests[-1]
        assert sent["stream"] is True and sent["messages"][0]["content"] == "sys"
        assert FACTS[0] in sent["messages"][1]["content"]


def test_invented_numbers_fall_back_to_the_template() -> None:
    with standin(lambda body: Reply(chunks=["Your LDL is 250 mg/dL, ", "dangerously high."])
                 ) as server:
        written = engine(server.host).write(system="s", question="LDL?", facts=FACTS,
                                            template=TEMPLATE)
    assert written.text == TEMPLATE and written.engine == "offline"
    assert "250" in (written.fallback_reason or "")


def test_structured_output_sends_the_schema_and_is_used() -> None:
    answer = {"complexity": "standard", "specialists": ["cardiology", "pharmacy"],
              "reasoning": "lipids and a statin"}
    with standin(lambda body: Reply(chunks=[json.dumps(answer)])) as server:
        cmo = ChiefMedicalOfficer(engine(server.host))
        result = cmo.assess(parse("How is my cholesterol?"))
        assert result.source == "model"
        assert result.specialists == ("cardiology", "pharmacy")
        assert server.requests[-1]["format"] == ASSESSMENT_SCHEMA


def test_invalid_json_is_retried_once_then_the_rules_decide() -> None:
    with standin(lambda body: Reply(chunks=["{not json"])) as server:
        cmo = ChiefMedicalOfficer(engine(server.host))
        result = cmo.assess(parse("What is my latest HbA1c?"))
        assert result.source == "rules" and result.specialists == ("endocrinology",)
        assert len(server.requests) == 2  # one retry
    with standin(lambda body: Reply(chunks=[json.dumps({"complexity": "simple",
                                                         "specialists": ["astrology"]})])
                 ) as server:
        result = ChiefMedicalOfficer(engine(server.host)).assess(parse("What is my LDL?"))
        assert result.source == "rules"


def test_timeout_retries_once_then_falls_back() -> None:
    with standin(lambda body: Reply(chunks=["slow"], delay=1.5)) as server:
        written = engine(server.host, timeout=0.4).write(system="s", question="q", facts=FACTS,
                                                         template=TEMPLATE)
        assert written.text == TEMPLATE and written.engine == "offline"
        assert "0.4" in (written.fallback_reason or "")
        assert len(server.requests) == 2


def test_server_down_falls_back() -> None:
    written = engine(closed_port()).write(system="s", question="q", facts=FACTS,
                                          template=TEMPLATE)
    assert written.text == TEMPLATE and "failed" in (written.fallback_reason or "")


def test_server_error_falls_back() -> None:
    with standin(lambda body: Reply(status=500, error="model crashed")) as server:
        written = engine(server.host).write(system="s", question="q", facts=FACTS,
                                            template=TEMPLATE)
        assert written.engine == "offline" and len(server.requests) == 2


def test_cancel_stops_the_stream() -> None:
    cancel = threading.Event()
    with standin(lambda body: Reply(chunks=["a "] * 50, delay=0.02)) as server:
        seen: list[str] = []

        def on_token(token: str) -> None:
            seen.append(token)
            if len(seen) == 3:
                cancel.set()

        with pytest.raises(EngineCancelled):
            engine(server.host).write(system="s", question="q", facts=FACTS, template=TEMPLATE,
                                      cancel=cancel, on_token=on_token)
        assert len(seen) == 3
