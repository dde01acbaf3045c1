"""DuckDB running out of memory on a real route is 503 SERVICE_UNAVAILABLE with
Retry-After, in the error envelope, and the server answers again once memory is there.

The test's own server runs its vault with a DuckDB memory limit far below what asking
about a person's records needs (what a small machine under load amounts to), so the
out-of-memory is DuckDB's own, raised by the real query of a real route."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.api.conftest import OWNER_BUNDLE, Api, _import

TINY = "4MB"  # far below what reading a person's records for a question needs
QUESTION = {"query": "What's my cholesterol trend?"}


def test_out_of_memory_is_503_with_retry_after(own_api: Callable[..., Api],
                                               testdata: Path) -> None:
    api = own_api()
    assert _import(api, "owner", testdata / OWNER_BUNDLE)["status"] == "completed"
    cur = api.ctx.vault.cursor()
    (normal,) = cur.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
    with api.client("owner") as client:
        cur.execute("SET memory_limit = ?", [TINY])
        try:
            starved = client.post("/v1/queries", json=QUESTION)
        finally:
            cur.execute("SET memory_limit = ?", [normal])
        again = client.post("/v1/queries", json=QUESTION)
    assert starved.status_code == 503, starved.text
    error = starved.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert int(starved.headers["Retry-After"]) >= 1
    assert error["details"]["retry_after"] == int(starved.headers["Retry-After"])
    assert again.status_code == 202, again.text  # nothing was left broken or spent


def test_a_request_in_flight_is_a_reader(own_api: Callable[..., Api]) -> None:
    """While a request is being answered, an import's memory bound is not in force:
    every route reads as a reader (storage/bounds.py), also those that read with a
    plain cursor before or after any pooled connection (the patient check before a
    question, record listings). The request's body is still streaming when the test
    looks, so no pooled connection is checked out by it at that moment."""
    api = own_api()
    vault = api.ctx.vault
    setting = "SELECT current_setting('memory_limit')"
    (default,) = vault.cursor().execute(setting).fetchone() or ("",)
    seen: list[str] = []

    def body() -> Iterator[bytes]:
        yield b'{"title": '
        # until the server is inside the request: the default in force on three looks in a
        # row with no pooled connection out (the token check's own connection, a reader
        # too, is back in the pool by then); 60 s is only a bound for a broken server
        lifted, deadline = 0, time.monotonic() + 60
        while lifted < 3 and time.monotonic() < deadline:
            (now,) = vault.cursor().execute(setting).fetchone() or ("",)
            lifted = lifted + 1 if now == default and not vault.engine.pool.checkedout() else 0
            time.sleep(0.01)
        seen.append(now)
        yield b'"asked while an import ran"}'

    with api.client("owner") as client, vault.limit_resources(memory_limit="48MB"):
        (held,) = vault.cursor().execute(setting).fetchone() or ("",)
        created = client.post("/v1/conversations", content=body(),
                              headers={"Content-Type": "application/json"})
    assert held != default  # the import's bound was in force before the request
    assert seen == [default]  # and lifted while the request was in flight
    assert created.status_code == 201, created.text
