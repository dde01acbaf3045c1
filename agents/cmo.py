"""Dr. Vitality, the Chief Medical Officer: triage, assessment and the final synthesis.

Triage runs first and by rules only (an emergency notice must never wait for, or
depend on, a model). The assessment is the rules' unless a model gives one that
validates against the allowed values. The synthesis is templated from the findings; a
model may rewrite the summary, which passes the numeric guard or is discarded.
"""

from __future__ import annotations

import threading

from agents.assess import ASSESSMENT_SCHEMA, Assessment, assess_rules, from_model
from agents.llm.base import LLMEngine, OnToken
from agents.note import Note
from agents.question import Question
from agents.synthesis import Synthesis, synthesize
from agents.team.roster import CMO_NAME, ROSTER, prompt
from agents.team.specialist import SpecialistResult
from agents.triage import Triage, triage


class ChiefMedicalOfficer:
    name = CMO_NAME

    def __init__(self, engine: LLMEngine) -> None:
        self.engine = engine

    def triage(self, text: str) -> Triage:
        return triage(text)

    def assess(self, q: Question, cancel: threading.Event | None = None) -> Assessment:
        rules = assess_rules(q)
        if not self.engine.is_model:
            return rules
        team = "\n".join(f"- {s.id}: {s.name}, {s.specialty} ({', '.join(s.capabilities)})"
                         for s in ROSTER)
        user = (f"Question: {q.text}\n\nSpecialists:\n{team}\n\nComplexity: simple (one value, "
                "1 specialist), standard (a trend of 1-3 related metrics, up to 3), complex "
                "(several systems, medication effects or correlations, up to 5), comprehensive "
                "(full assessment, all). Reply with JSON.")
        answer = self.engine.structured(system=prompt("cmo"), prompt=user,
                                        schema=ASSESSMENT_SCHEMA, cancel=cancel)
        return from_model(answer) or rules

    def synthesize(self, q: Question, results: list[SpecialistResult], *, urgent_notice: str | None,
                   urgent_advice: str | None = None, cancel: threading.Event | None = None,
                   on_token: OnToken | None = None,
                   nearest: tuple[str, ...] = (), note: Note | None = None) -> Synthesis:
        done = [r for r in results if r.status == "completed"]
        failed = [r.name for r in results if r.status != "completed"]
        findings = [f for r in done for f in r.findings]
        confidence = (sum(r.confidence for r in done) / len(done)) * (0.9 ** len(failed)) \
            if done else 0.2
        result = synthesize(q, findings, confidence=round(confidence, 2), failed=failed,
                            urgent_notice=urgent_notice, urgent_advice=urgent_advice,
                            nearest=nearest, note=note)
        if not self.engine.is_model or not findings:
            return result
        template = result.summary.removeprefix(f"{urgent_notice} " if urgent_notice else "")
        facts = [result.answer, *dict.fromkeys(f.text for f in findings)]
        written = self.engine.write(system=prompt("cmo"), question=q.text, facts=facts,
                                    template=template, cancel=cancel, on_token=on_token)
        result.summary = f"{urgent_notice} {written.text}" if urgent_notice else written.text
        result.engine = written.engine
        result.fallback_reason = written.fallback_reason
        return result


