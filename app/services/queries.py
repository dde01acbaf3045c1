"""Questions to the medical team: submit, follow progress, read answers, conversations.

A query runs in the background on a small thread pool (its specialists on a second
pool, so a busy query cannot starve its own specialists). Every step is published on
the EventBus as the insight API's WebSocket messages and everything is stored: the
query, each specialist's result, the synthesis and the chart.

The team itself (agents: the LLM clients, the tools, the run) is imported when a question
is first asked, not with the service: the desktop builds the service right after its
window opens, to list the conversations, and those modules are a second of Python that
would hold the GIL beside the first pages the person reads.
"""

from __future__ import annotations

import logging
import secrets
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agents.events import EventBus
from app.services import query_views as views
from app.services.budget import QueryBudget
from app.services.conversations import ConversationViews, title_of
from app.services.errors import NotFound, ValidationFailed
from app.services.runs import RunCoordinator
from app.settings import Settings
from storage.vault import Vault

if TYPE_CHECKING:
    from agents.llm import LLMEngine
    from agents.team.run import Prepared, TeamAnswer

log = logging.getLogger(__name__)
FAILED_MESSAGE = ("The team could not answer this question because of an internal error; "
                  "your records are unchanged. Please try again.")

SECONDS_OFFLINE = {"simple": 1, "standard": 2, "complex": 3, "comprehensive": 5}
SECONDS_MODEL = {"simple": 20, "standard": 45, "complex": 90, "comprehensive": 180}


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


class QueryService(ConversationViews):
    def __init__(self, vault: Vault, bus: EventBus, settings: Settings) -> None:
        self.vault = vault
        self.bus = bus
        self.settings = settings
        self.repo = vault.conversations
        self._pages = {}
        self.budget = QueryBudget(self.repo, settings.rate_queries)
        self._runs = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query")
        self._team = ThreadPoolExecutor(max_workers=8, thread_name_prefix="specialist")
        self.runs = RunCoordinator(self._runs)

    # --- asking ----------------------------------------------------------

    def submit(self, question: str, *, owner_id: str | None = None,
               conversation_id: str | None = None, patient_id: str | None = None,
               offline: bool = False, actor_id: str | None = None) -> views.SubmittedQuery:
        """Start the team on `question`. With `actor_id` (an API user) the audit trail
        names who asked."""
        question = (question or "").strip()
        if not question:
            raise ValidationFailed("the question is empty", {"field": "query"})
        if len(question) > 2000:
            raise ValidationFailed("the question is longer than 2000 characters",
                                   {"field": "query"})
        conversation = None
        if conversation_id is not None:
            conversation = self.repo.get_conversation(conversation_id=conversation_id,
                                                      owner_id=owner_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id} not found")
        previous, earlier_patient = (self._context(conversation_id, owner_id)
                                     if conversation_id else (None, None))
        patient = self._patient(owner_id, patient_id or (conversation or {}).get("patient_id")
                                or earlier_patient)
        from agents.team.run import prepare

        with self.vault.reading():  # the question is read against the records once, here
            prepared = prepare(self.vault, patient, question, previous=previous)
        complexity = prepared.assessment.complexity
        new_title = None
        if conversation is None:
            conversation_id, new_title = _new_id("conv"), title_of(question)
        assert conversation_id is not None
        query_id = _new_id("qry")
        with self.budget.spending(owner_id):  # accepted: it counts from here
            self.repo.add_query(query_id=query_id, owner_id=owner_id,
                                conversation_id=conversation_id, patient_id=patient,
                                query=question, complexity=complexity, urgent=False,
                                engine=None, new_conversation_title=new_title)
        self.runs.start(query_id, owner_id, lambda cancel: self._run(
            query_id, owner_id, question, patient, offline, cancel, prepared))
        if actor_id is not None:
            self.vault.audit.record(action="query.submit", user_id=actor_id,
                                    resource_type="query", resource_id=query_id)
        guess = (SECONDS_OFFLINE if offline or self.settings.llm_engine == "offline"
                 else SECONDS_MODEL)[complexity]
        return views.SubmittedQuery(
            query_id=query_id, conversation_id=conversation_id, status="processing",
            complexity=complexity,
            estimated_completion=views.iso(datetime.now(UTC) + timedelta(seconds=guess)))

    def ask(self, question: str, **kwargs: Any) -> views.QueryResult:
        """Submit and wait for the answer (the CLI's way)."""
        submitted = self.submit(question, **kwargs)
        return self.wait(submitted.query_id, timeout=24 * 3600,
                         owner_id=kwargs.get("owner_id"))  # read as its asker's once ended

    def wait(self, query_id: str, timeout: float, *, owner_id: str | None = None
             ) -> views.QueryResult:
        """The query once it has ended (or after `timeout`), running or stored."""
        owner = self.runs.wait(query_id, timeout)
        found = self.get(query_id, owner_id=owner_id if owner is False else owner)  # type: ignore[arg-type]
        if found is None:
            raise NotFound(f"query {query_id} not found")
        return found

    def cancel(self, query_id: str) -> bool:
        """Ask a running query to stop; False when it is not running."""
        return self.runs.cancel(query_id)

    def get(self, query_id: str, *, owner_id: str | None) -> views.QueryResult | None:
        row = self.repo.get_query(query_id=query_id, owner_id=owner_id)
        if row is None:
            return None
        return views.query_view(row, self.runs.live(query_id))

    # --- the background run ----------------------------------------------

    def _run(self, query_id: str, owner_id: str | None, question: str, patient_id: str,
             offline: bool, cancel: threading.Event, prepared: Prepared) -> None:
        from agents.team.run import RunCancelled, answer

        def emit(kind: str, data: dict[str, Any]) -> None:
            self.runs.track(query_id, kind, data)
            self.bus.publish({"type": kind, "query_id": query_id, "data": data})

        try:
            engine = self._engine(offline)
            self.runs.set_engine(query_id, engine.name)
            with self.vault.reading():  # never under an import's memory bound
                result = answer(vault=self.vault, patient_id=patient_id, text=question,
                                engine=engine, emit=emit, pool=self._team, cancel=cancel,
                                timeout=self.settings.specialist_timeout_seconds,
                                prepared=prepared)
            self._store(query_id, owner_id, result)
            emit("query_complete", {"status": "completed",
                                    "summary": result.synthesis.summary[:300],
                                    "has_visualization": result.chart is not None,
                                    "redirect_url": f"/queries/{query_id}"})
        except RunCancelled:
            self._finish(query_id, "cancelled", "cancelled by the user", emit)
        except Exception as exc:  # the query fails, the service keeps running
            # The message may quote records: the log gets the type and place only, and
            # the person (and the API) a plain sentence.
            where = traceback.extract_tb(exc.__traceback__)[-1]
            log.error("query failed: %s at %s:%s", type(exc).__name__,
                      where.filename, where.lineno)
            self._finish(query_id, "failed", FAILED_MESSAGE, emit)

    def _engine(self, offline: bool) -> LLMEngine:
        from agents.llm import select_engine

        s = self.settings
        return select_engine(mode=s.llm_engine, host=s.ollama_host, model=s.ollama_model,
                             timeout=s.ollama_timeout_seconds, offline=offline)

    def _store(self, query_id: str, owner_id: str | None, result: TeamAnswer) -> None:
        viz = chart = None
        if result.chart is not None:
            viz_id = _new_id("viz")
            chart = {"viz_id": viz_id, "type": result.chart.type,
                     "component": result.chart.component, "figure": result.chart.figure,
                     "data_points": result.chart.data_points}
            viz = {"type": result.chart.type, "component_id": viz_id,
                   "data_points": result.chart.data_points}
        stored = {"medical_team": views.medical_team(result),
                  "synthesis": result.synthesis.to_dict(), "visualization": viz,
                  "context": result.question.to_context(),
                  "triage": {"urgent": result.triage.urgent,
                             "categories": list(result.triage.categories)}}
        self.repo.complete_query(
            query_id=query_id, owner_id=owner_id,
            results=[r.to_record() for r in result.results], visualization=chart,
            status="completed", complexity=result.assessment.complexity,
            urgent=result.triage.urgent, engine=result.engine, result=stored,
            completed_at=datetime.now(UTC))

    def _finish(self, query_id: str, status: str, error: str, emit: Any) -> None:
        self.repo.update_query(query_id=query_id, status=status, error=error,
                               completed_at=datetime.now(UTC))
        emit("query_complete", {"status": status, "summary": error, "has_visualization": False,
                                "redirect_url": f"/queries/{query_id}"})

    # --- patients and conversation context -------------------------------

    def _patient(self, owner_id: str | None, patient_id: str | None) -> str:
        """The given patient if the owner has it, else the owner's only patient."""
        from agents.tools import patients_of

        patients = patients_of(self.vault, owner_id=owner_id)
        if patient_id is not None:
            if not any(p["id"] == patient_id for p in patients):
                raise NotFound(f"patient {patient_id} not found")
            return patient_id
        if len(patients) == 1:
            return str(patients[0]["id"])
        if not patients:
            raise ValidationFailed("there are no health records to ask about yet: import some "
                                   "first", {"patients": []})
        raise ValidationFailed(f"{len(patients)} patients are in this vault; say which one "
                               "(patient_id)", {"patients": patients})

    def _context(self, conversation_id: str, owner_id: str | None
                 ) -> tuple[dict[str, Any] | None, str | None]:
        """The last answered question's context (for follow-ups like "and my LDL?") and the
        patient the conversation was about."""
        rows = self.repo.list_queries(conversation_id=conversation_id, owner_id=owner_id)
        patient = next((r["patient_id"] for r in reversed(rows) if r.get("patient_id")), None)
        for row in reversed(rows):
            context = (row.get("result") or {}).get("context")
            if context:
                return dict(context), patient
        return None, patient

    # --- the team and shutdown --------------------------------------------

    def specialists(self) -> views.SpecialistList:
        """The roster as the insight API lists it (a frozen copy: the roster stays the
        agents' own)."""
        from agents.team.roster import ROSTER

        return views.SpecialistList(specialists=[
            views.SpecialistProfile(id=s.id, name=s.name, specialty=s.specialty,
                                    capabilities=list(s.capabilities),
                                    typical_queries=list(s.typical_queries))
            for s in ROSTER])

    def close(self) -> None:
        self.runs.cancel_all()
        self._runs.shutdown(wait=True, cancel_futures=True)
        self._team.shutdown(wait=True, cancel_futures=True)
