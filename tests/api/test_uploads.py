"""Uploads: hostile nesting, same names, partial failure, and where the files live."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

from tests.api.conftest import OTHER_BUNDLE, OWNER_BUNDLE, Api
from tests.api.helpers import wait_for


def _post(client, files: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    return client.post("/v1/health-data/import",
                       files=[("file", (name, data, "application/json")) for name, data in files])


def test_deep_nesting_is_a_clean_import_error(api: Api) -> None:
    head = b'{"resourceType":"Bundle","entry":'
    hostile = head + b"[" * 100_000
    with api.client("other") as client:
        started = _post(client, [("deep.json", hostile)])
        assert started.status_code == 202, started.text
        done = wait_for(client, f"/v1/health-data/import/{started.json()['data']['import_id']}")
    assert done["status"] == "failed"
    [error] = done["summary"]["errors"]
    assert error["file"] == "deep.json"
    assert error["position"] == f"byte {len(head) + 499}"  # level 501: "{" and 500 "["
    assert "nested more than 500 levels" in error["reason"]
    assert "Error" not in json.dumps(done)  # no exception class names


def test_same_name_uploads_are_all_imported_and_failures_are_listed(
        own_api: Callable[..., Api], testdata: Path) -> None:
    api = own_api()
    bundles = [testdata / OWNER_BUNDLE, testdata / OTHER_BUNDLE]
    seen_modes: list[int] = []
    original = api.server.app.state.uploads.save

    def save(files):  # type: ignore[no-untyped-def]
        paths = original(files)
        seen_modes.extend(stat.S_IMODE(p.stat().st_mode) for p in paths)
        assert all(api.ctx.settings.home in p.parents for p in paths)
        return paths

    api.server.app.state.uploads.save = save
    with api.client("owner") as client:
        started = _post(client, [("patient.json", bundles[0].read_bytes()),
                                 ("patient.json", bundles[1].read_bytes()),
                                 ("broken.json", b'{"resourceType": "Bundle", "entry": [}')])
        assert started.status_code == 202, started.text
        done = wait_for(client, f"/v1/health-data/import/{started.json()['data']['import_id']}")
    assert done["status"] == "completed_with_errors"
    assert [f["status"] for f in done["files"]] == ["completed", "completed", "failed"]
    assert done["files"][2]["error"].startswith("line 1 column")
    assert [e["file"] for e in done["summary"]["errors"]] == ["broken.json"]
    assert done["progress"]["records"] == done["summary"]["total_records"] > 0
    assert done["progress"]["bytes"] == done["progress"]["total_bytes"]
    people = [p for p in api.ctx.vault.records.list_patients(owner_id=None)
              if sum(p.record_counts.values()) > 0]
    assert len(people) == 2  # both same-named files' patients are in the (new) vault
    assert seen_modes == [0o600] * 3
    left = [p for p in (api.ctx.settings.home / "uploads").rglob("*") if p.is_file()]
    assert left == []  # deleted when the job ended
