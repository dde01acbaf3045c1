"""Running one specialist: its analysis (tool queries -> findings), then its narrative.

Confidence is a stated rule over the evidence, not a model's guess: 0.3 with no data;
else 0.6, plus 0.1 per finding with data (up to three), plus 0.05 when the findings
rest on at least ten records; capped at 0.95.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from agents.findings import Finding
from agents.llm.base import EngineCancelled, LLMEngine, OnToken
from agents.team.analyses import ANALYSES
from agents.team.job import Cancelled, Job
from agents.team.roster import Specialist


@dataclass
class SpecialistResult:
    specialist: str
    name: str
    status: str  # completed | failed | cancelled
    confidence: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    narrative: str = ""
    engine: str = "offline"
    error: str | None = None
    seconds: float = 0.0

    @property
    def key_points(self) -> list[str]:
        return [f.text for f in self.findings]

    def to_team_entry(self) -> dict[str, Any]:
        """The spec's medical_team.specialists[] entry."""
        return {"type": self.specialist, "name": self.name, "status": self.status,
                "confidence": self.confidence,
                "findings": self.narrative or (self.error or ""), "engine": self.engine}

    def to_record(self) -> dict[str, Any]:
        """What the specialist_results table stores."""
        return {"specialist": self.specialist, "status": self.status,
                "confidence": self.confidence, "narrative": self.narrative,
                "engine": self.engine,
                "findings": {"items": [f.to_dict() for f in self.findings],
                             "error": self.error, "seconds": round(self.seconds, 4)}}


def confidence_of(findings: list[Finding]) -> float:
    supported = [f for f in findings if f.support > 0]
    if not supported:
        return 0.3
    rows = sum(f.support for f in supported)
    score = 0.6 + 0.1 * min(len(supported), 3) + (0.05 if rows >= 10 else 0.0)
    return round(min(score, 0.95), 2)


def run_specialist(spec: Specialist, job: Job, engine: LLMEngine,
                   on_token: OnToken | None = None) -> SpecialistResult:
    started = time.perf_counter()
    try:
        findings = ANALYSES[spec.id](job)
        job.step("Writing findings", 0.95)
        template = " ".join(f.text for f in findings) or "No relevant records were found."
        written = engine.write(system=spec.prompt, question=job.question.text,
                               facts=[f.text for f in findings], template=template,
                               cancel=job.cancel, on_token=on_token, deadline=job.deadline)
    except (Cancelled, EngineCancelled):
        return SpecialistResult(spec.id, spec.name, "cancelled", error="cancelled",
                                seconds=time.perf_counter() - started)
    except Exception as exc:  # one failing specialist must not sink the answer
        # The message could quote records, so only the error's type goes out.
        return SpecialistResult(spec.id, spec.name, "failed",
                                error=f"internal error ({type(exc).__name__})",
                                seconds=time.perf_counter() - started)
    return SpecialistResult(spec.id, spec.name, "completed", confidence_of(findings), findings,
                            written.text, written.engine, None, time.perf_counter() - started)


