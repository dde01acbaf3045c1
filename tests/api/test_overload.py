"""Readers under load: never an import's memory bound, never a 500 for running out."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.api.conftest import Api
from tests.perf.ingest import generate


def test_reads_keep_working_while_an_import_runs(own_api: Callable[..., Api],
                                                 tmp_path: Path) -> None:
    api = own_api()
    setting = "SELECT current_setting('memory_limit')"
    before = api.ctx.vault.cursor().execute(setting).fetchone()
    export = tmp_path / "export.xml"
    generate(export, 120_000)
    with api.client("owner") as client:
        with export.open("rb") as fh:
            started = client.post("/v1/health-data/import",
                                  files=[("file", ("export.xml", fh, "text/xml"))])
        assert started.status_code == 202, started.text
        url = f"/v1/health-data/import/{started.json()['data']['import_id']}"
        while client.get(url).json()["data"]["progress"]["records"] == 0:
            pass  # until the import's bounds are in force
        # once our last request has left (a request in flight is a reader, and lifts the
        # bound until it is answered); 60 s only bounds a broken server
        limit, deadline = before, time.monotonic() + 60
        while limit == before and time.monotonic() < deadline:
            limit = api.ctx.vault.cursor().execute(setting).fetchone()

        def read(_: int) -> tuple[int, str]:
            reply = client.get("/v1/conversations")
            return reply.status_code, client.get(url).json()["data"]["status"]

        with ThreadPoolExecutor(24) as pool:
            seen = list(pool.map(read, range(120)))
        while client.get(url).json()["data"]["status"] == "processing":
            pass
        done = client.get(url).json()["data"]
    assert limit != before  # the import's bound was held
    assert {status for status, _ in seen} == {200}
    assert any(state == "processing" for _, state in seen)  # some reads overlapped it
    assert done["status"] == "completed"
    assert api.ctx.vault.cursor().execute(setting).fetchone() == before  # restored
