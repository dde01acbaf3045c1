"""DuckDB running out of memory on a real route is 503 SERVICE_UNAVAILABLE with
Retry-After, in the error envelope, and the server answers again once memory is there.

The test's own server runs its vault with a DuckDB memory limit far below what asking
about a person's records needs (what a small machine under load amounts to), so the
out-of-memory is DuckDB's own, raised by the real query of a real route."""

from __future__ import annotations

from collections.abc import Callable
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
