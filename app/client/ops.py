"""The SDK's operations, written once for both clients (sans-IO).

An operation is a generator: it yields a `Request` (and gets back the envelope's
`data`) or a `Pause` (and gets back None), and returns a typed model. The sync client
drives it with httpx.Client, the async one with httpx.AsyncClient, so the two never
disagree on paths, bodies or polling. Models are the API's own schemas
(app/api/schemas), so the SDK and the server share one definition of every shape.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from app.api.schemas.conversations import (
    ConversationCreated,
    ConversationDetail,
    ConversationPage,
)
from app.api.schemas.health_data import ImportStarted, ImportStatus
from app.api.schemas.medical_team import Specialist, SpecialistList
from app.api.schemas.queries import QueryResult, QuerySubmitted
from app.api.schemas.visualizations import Visualization

T = TypeVar("T")
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    files: tuple[Path, ...] = ()  # sent as multipart `file` parts
    headers: dict[str, str] = field(default_factory=dict)
    authenticated: bool = True
    raw: bool = False  # return the response body's bytes, not an envelope's data


@dataclass(frozen=True)
class Pause:
    seconds: float


Op = Generator[Request | Pause, Any, T]


def _params(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


# --- auth ---------------------------------------------------------------------

def login(email: str, password: str) -> Op[dict[str, Any]]:
    data = yield Request("POST", "/v1/auth/login", json={"email": email, "password": password},
                         authenticated=False)
    return dict(data)


def refresh(refresh_token: str) -> Op[dict[str, Any]]:
    data = yield Request("POST", "/v1/auth/refresh", json={"refresh_token": refresh_token},
                         authenticated=False)
    return dict(data)


# --- queries --------------------------------------------------------------------

def create_query(query: str, *, conversation_id: str | None, include_visualizations: bool,
                 priority: Literal["low", "normal", "high"],
                 patient_id: str | None) -> Op[QuerySubmitted]:
    body: dict[str, Any] = {"query": query, "context": _params(
        include_visualizations=include_visualizations, priority=priority,
        patient_id=patient_id)}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    data = yield Request("POST", "/v1/queries", json=body)
    return QuerySubmitted.model_validate(data)


def get_query(query_id: str) -> Op[QueryResult]:
    data = yield Request("GET", f"/v1/queries/{query_id}")
    return QueryResult.model_validate(data)


# --- conversations -------------------------------------------------------------

def list_conversations(*, page: int, limit: int, sort_by: str,
                       order: str) -> Op[ConversationPage]:
    data = yield Request("GET", "/v1/conversations",
                         params=_params(page=page, limit=limit, sort_by=sort_by, order=order))
    return ConversationPage.model_validate(data)


def create_conversation(*, title: str | None,
                        first_query: str | None) -> Op[ConversationCreated]:
    data = yield Request("POST", "/v1/conversations",
                         json=_params(title=title, first_query=first_query))
    return ConversationCreated.model_validate(data)


def get_conversation(conversation_id: str) -> Op[ConversationDetail]:
    data = yield Request("GET", f"/v1/conversations/{conversation_id}")
    return ConversationDetail.model_validate(data)


# --- health data, charts, the team ----------------------------------------------

def import_files(paths: Sequence[str | Path], *, wait: bool,
                 timeout: float) -> Op[ImportStatus | ImportStarted]:
    """Upload the files; with `wait`, poll the import until it leaves `processing`."""
    files = tuple(Path(p) for p in paths)
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"not a file: {', '.join(missing)}")
    started = ImportStarted.model_validate(
        (yield Request("POST", "/v1/health-data/import", files=files)))
    if not wait:
        return started
    waited = 0.0
    while True:
        status = ImportStatus.model_validate(
            (yield Request("GET", f"/v1/health-data/import/{started.import_id}")))
        if status.status != "processing" or waited >= timeout:
            return status
        yield Pause(POLL_SECONDS)
        waited += POLL_SECONDS


def get_visualization(visualization_id: str) -> Op[Visualization]:
    data = yield Request("GET", f"/v1/visualizations/{visualization_id}")
    return Visualization.model_validate(data)


def specialists() -> Op[list[Specialist]]:
    data = yield Request("GET", "/v1/medical-team/specialists")
    return SpecialistList.model_validate(data).specialists
