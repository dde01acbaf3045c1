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
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from agents import tools
from agents.assess import Assessment, assess_rules
from agents.cmo import ChiefMedicalOfficer
from agents.findings import Finding
from agents.holdings import Holdings
from agents.llm.base import LLMEngine
from agents.note import Note, build
from agents.question import Question, parse
from agents.synthesis import Synthesis
from agents.team.charting import choose_chart
from agents.team.job import Job
from agents.team.roster import BY_ID
from agents.team.specialist import SpecialistResult, run_specialist
from agents.tools.base import ALL_TIME, Window
from agents.tools.medications import MedicationTimeline
from agents.triage import Triage, combine, critical_triage
from agents.viz import Chart
from storage.repos.catalogue import PatientFacts
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


@dataclass(frozen=True)
class Prepared:
    """A question read against the person's records and assessed: done once per query
    (the 202's complexity is the stored one)."""

    question: Question
    assessment: Assessment
    holdings: Holdings
    facts: PatientFacts | None
    medications: MedicationTimeline  # what medication mentions are matched against


def prepare(vault: Vault, patient_id: str, text: str, *,
            previous: dict[str, Any] | None = None, today: date | None = None) -> Prepared:
    holdings = Holdings(vault.catalogue.codes(patient_id=patient_id))
    facts = vault.catalogue.patient(patient_id=patient_id)
    medications = tools.medication_timeline(vault, patient_id=patient_id)
    q = parse(text, medications=tuple(c.name for c in medications.courses), previous=previous,
              holdings=holdings, today=today)
    return Prepared(q, assess_rules(q), holdings, facts, medications)


def fit_window(q: Question, holdings: Holdings, facts: PatientFacts | None
               ) -> tuple[Question, str | None]:
    """A window counted back from today that holds nothing of the asked measures moves to
    end where the records end, and the answer says so; measures the records never held
    lose the window ("no heart rate results", not "none this year")."""
    since = q.window.since
    if not q.relative or since is None:
        return q, None
    codes = q.codes or tuple(e.code for e in holdings.entries)
    last = holdings.last_date(codes)
    never = (q.codes and last is None) or (q.missing and not q.codes)
    if never:  # none ever: that is the answer, not "none this year"
        return replace(q, window=ALL_TIME, period=None), None
    last = last or (facts.records_end.isoformat() if facts and facts.records_end else None)
    if last is None or last >= since.isoformat():
        return q, None
    end = date.fromisoformat(last)
    start = date.fromordinal(end.toordinal() - (date.today() - since).days)
    label = (f"Your records hold nothing from {q.period}; they end on {end}, so this answer "
             f"uses the same span of your latest data, {start} to {end}.")
    return replace(q, window=Window(start, end), period=f"from {start} to {end}"), label


def answer(*, vault: Vault, patient_id: str, text: str, engine: LLMEngine, emit: Emit,
           pool: Executor, cancel: threading.Event, timeout: float,
           previous: dict[str, Any] | None = None, prepared: Prepared | None = None
           ) -> TeamAnswer:
    def status(phase: str, progress: float, **extra: Any) -> None:
        if cancel.is_set():
            raise RunCancelled()
        emit("query_status", {"status": "processing", "phase": phase,
                              "progress": round(progress, 3), **extra})

    cmo = ChiefMedicalOfficer(engine)
    status("triage", 0.02)
    tri = combine(cmo.triage(text), critical_triage(vault, patient_id))
    prepared = prepared or prepare(vault, patient_id, text, previous=previous)
    assessment = prepared.assessment
    q, moved = fit_window(prepared.question, prepared.holdings, prepared.facts)
    status("assessment", 0.05)
    status("specialist_analysis", 0.1, complexity=assessment.complexity,
           specialists=list(assessment.specialists))
    results = _run_team(vault, patient_id, q, assessment, engine, emit, pool, cancel, timeout,
                        prepared)
    if cancel.is_set():
        raise RunCancelled()
    emit("cmo_synthesis", {"phase": "synthesizing", "name": cmo.name,
                           "specialists_complete": sum(r.status == "completed" for r in results),
                           "specialists_total": len(results)})
    findings = [f for r in results if r.status == "completed" for f in r.findings]
    nearest = tuple(n for m in q.missing[:1] for n in prepared.holdings.nearest(m))
    note = _note(vault, patient_id, q, prepared, findings, moved)
    synthesis = cmo.synthesize(q, results, urgent_notice=tri.notice, urgent_advice=tri.advice,
                               cancel=cancel, nearest=nearest, note=note)
    if cancel.is_set():
        raise RunCancelled()
    chart = choose_chart(vault, patient_id, q, findings)
    return TeamAnswer(q, tri, assessment, results, synthesis, chart, engine.name)


def _note(vault: Vault, patient_id: str, q: Question, prepared: Prepared,
          findings: list[Finding], moved: str | None) -> Note:
    latest = {str(f.code): (float(f.data["last_value"]), str(f.data["last_date"]))
              for f in findings if f.kind == "trend" and f.code and f.data.get("n")}
    return build(q, prepared.facts, tools.conditions(vault, patient_id=patient_id),
                 prepared.medications, prepared.holdings, latest, date.today(), moved)


def _run_team(vault: Vault, patient_id: str, q: Question, assessment: Assessment,
              engine: LLMEngine, emit: Emit, pool: Executor, cancel: threading.Event,
              timeout: float, prepared: Prepared) -> list[SpecialistResult]:
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
                  deadline=prose_deadline, holdings=prepared.holdings, facts=prepared.facts)
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
