"""One question answered by the team, start to finish, with events at every step.

Order of events: query_status (triage, assessment, specialist_analysis), then per
specialist specialist_update ... specialist_complete (each followed by a query_status
with the overall progress) as each finishes, then cmo_synthesis. The caller publishes
query_complete after it has stored the answer. Specialists run in parallel on the given
pool; each has its own deadline; one that fails or times out is reported failed and the
answer still comes; a cancel stops every specialist at its next tool call and ends the
run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Any

from agents import tools
from agents.assess import Assessment
from agents.cmo import ChiefMedicalOfficer
from agents.llm.base import LLMEngine
from agents.question import Question, parse
from agents.synthesis import Synthesis
from agents.team.charting import choose_chart
from agents.team.job import Job
from agents.team.roster import BY_ID
from agents.team.specialist import SpecialistResult, run_specialist
from agents.triage import Triage, combine, critical_triage
from agents.viz import Chart
from storage.vault import Vault

Emit = Callable[[str, dict[str, Any]], None]


class RunCancelled(Exception):
    pass


@dataclass
class TeamAnswer:
    question: Question
    triage: Triage
    assessment: Assessment
    results: list[SpecialistResult]
    synthesis: Synthesis
    chart: Chart | None
    engine: str


def answer(*, vault: Vault, patient_id: str, text: str, engine: LLMEngine, emit: Emit,
           pool: Executor, cancel: threading.Event, timeout: float,
           previous: dict[str, Any] | None = None, assessment: Assessment | None = None,
           medications: tuple[str, ...] | None = None) -> TeamAnswer:
    def status(phase: str, progress: float, **extra: Any) -> None:
        if cancel.is_set():
            raise RunCancelled()
        emit("query_status", {"status": "processing", "phase": phase,
                              "progress": round(progress, 3), **extra})

    cmo = ChiefMedicalOfficer(engine)
    status("triage", 0.02)
    tri = combine(cmo.triage(text), critical_triage(vault, patient_id))
    if medications is None:
        medications = medication_names(vault, patient_id)
    q = parse(text, medications=medications, previous=previous)
    status("assessment", 0.05)
    assessment = assessment or cmo.assess(q, cancel)
    status("specialist_analysis", 0.1, complexity=assessment.complexity,
           specialists=list(assessment.specialists))
    results = _run_team(vault, patient_id, q, assessment, engine, emit, pool, cancel, timeout)
    if cancel.is_set():
        raise RunCancelled()
    emit("cmo_synthesis", {"phase": "synthesizing", "name": cmo.name,
                           "specialists_complete": sum(r.status == "completed" for r in results),
                           "specialists_total": len(results)})
    synthesis = cmo.synthesize(q, results, urgent_notice=tri.notice, cancel=cancel)
    if cancel.is_set():
        raise RunCancelled()
    findings = [f for r in results if r.status == "completed" for f in r.findings]
    chart = choose_chart(vault, patient_id, q, findings)
    return TeamAnswer(q, tri, assessment, results, synthesis, chart, engine.name)


def medication_names(vault: Vault, patient_id: str) -> tuple[str, ...]:
    """What the question parser matches medication mentions against."""
    return tuple(c.name for c in tools.medication_timeline(vault, patient_id=patient_id).courses)


def _run_team(vault: Vault, patient_id: str, q: Question, assessment: Assessment,
              engine: LLMEngine, emit: Emit, pool: Executor, cancel: threading.Event,
              timeout: float) -> list[SpecialistResult]:
    total = len(assessment.specialists)
    stops = {sid: threading.Event() for sid in assessment.specialists}
    deadline = time.monotonic() + timeout
    # A slow model should cost a specialist its prose (templated instead), not its answer.
    prose_deadline = deadline - min(5.0, timeout * 0.2)

    def work(sid: str) -> SpecialistResult:
        spec = BY_ID[sid]

        def step(task: str, progress: float) -> None:
            emit("specialist_update", {"specialist": sid, "name": spec.name,
                                       "status": "analyzing", "progress": round(progress, 3),
                                       "current_task": task})

        step("Starting analysis", 0.0)
        job = Job(vault, patient_id, q, cancel=stops[sid], on_step=step,
                  deadline=prose_deadline)
        return run_specialist(spec, job, engine)

    futures: dict[Future[SpecialistResult], str] = {
        pool.submit(work, sid): sid for sid in assessment.specialists}
    results: dict[str, SpecialistResult] = {}
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
        for fut in done:
            sid = futures[fut]
            exc = fut.exception()
            results[sid] = fut.result() if exc is None else SpecialistResult(
                sid, BY_ID[sid].name, "failed", error=f"internal error ({type(exc).__name__})")
            _complete(emit, results[sid], len(results), total)
        if cancel.is_set() or time.monotonic() > deadline:
            for fut in pending:
                sid = futures[fut]
                stops[sid].set()
                state = "cancelled" if cancel.is_set() else "failed"
                error = "cancelled" if cancel.is_set() else f"timed out after {timeout:g} s"
                results[sid] = SpecialistResult(sid, BY_ID[sid].name, state, error=error)
                if state == "failed":
                    _complete(emit, results[sid], len(results), total)
            break
    return [results[sid] for sid in assessment.specialists]


def _complete(emit: Emit, r: SpecialistResult, done: int, total: int) -> None:
    summary = (f"Analysis complete with {round(r.confidence * 100)}% confidence"
               if r.status == "completed" else f"{r.name} could not finish: {r.error}")
    emit("specialist_complete", {"specialist": r.specialist, "name": r.name,
                                 "status": r.status, "confidence": r.confidence,
                                 "summary": summary, "findings": {"key_points": r.key_points}})
    emit("query_status", {"status": "processing", "phase": "specialist_analysis",
                          "progress": round(0.1 + 0.75 * done / max(total, 1), 3)})
