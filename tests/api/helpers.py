"""Small helpers shared by the API tests: uploads, waiting for jobs, WebSocket reads."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

PHASES = ["query_status", "specialist_update", "specialist_complete", "cmo_synthesis",
          "query_complete"]
RESOURCE_TABLES = {"Condition": "conditions", "Encounter": "encounters",
                   "Immunization": "immunizations", "AllergyIntolerance": "allergies",
                   "MedicationRequest": "medications"}


def upload(client: httpx.Client, *paths: Path) -> httpx.Response:
    files = [("file", (p.name, p.read_bytes(), "application/json")) for p in paths]
    return client.post("/v1/health-data/import", files=files)


def wait_for(client: httpx.Client, url: str, *, deadline: float = 240) -> dict[str, Any]:
    """Poll a job until it leaves `processing` (the deadline only stops a hung test). A
    503 with Retry-After (the vault out of memory for a moment, as the API documents)
    is waited out as a client should; any other error fails the test."""
    end = time.monotonic() + deadline
    while True:
        reply = client.get(url)
        if reply.status_code == 503 and time.monotonic() < end:
            assert reply.json()["error"]["code"] == "SERVICE_UNAVAILABLE", reply.text
            time.sleep(min(float(reply.headers["retry-after"]), 2.0))
            continue
        data = reply.json()["data"]
        if data["status"] != "processing" or time.monotonic() > end:
            return dict(data)
        time.sleep(0.1)


def raw_counts(bundle: Path) -> dict[str, int]:
    """Distinct resource ids per record table, straight from the FHIR bundle."""
    entries = json.loads(bundle.read_text())["entry"]
    ids: dict[str, set[str]] = {table: set() for table in RESOURCE_TABLES.values()}
    for entry in entries:
        resource = entry["resource"]
        table = RESOURCE_TABLES.get(resource["resourceType"])
        if table:
            ids[table].add(resource["id"])
    return {table: len(found) for table, found in ids.items()}


def resource_types(bundle: Path) -> Counter[str]:
    return Counter(e["resource"]["resourceType"] for e in json.loads(bundle.read_text())["entry"])


@contextmanager
def ws_open(url: str, token: str) -> Iterator[ClientConnection]:
    """A WebSocket on `url`, already authenticated."""
    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        assert recv(ws)["type"] == "auth_ok"
        yield ws


def recv(ws: ClientConnection, timeout: float = 120) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=timeout)))


def until_complete(ws: ClientConnection, query_id: str) -> list[dict[str, Any]]:
    """Every message for `query_id` up to and including its query_complete."""
    seen: list[dict[str, Any]] = []
    while True:
        message = recv(ws)
        if message.get("query_id") == query_id:
            seen.append(message)
            if message["type"] == "query_complete":
                return seen
