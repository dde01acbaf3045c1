"""One reading, one flag: the latest HbA1c under a personal reference range reads the same
in the Records view, `healthinsight records`, the API's key finding and the team's tool.

The person's own range is set so that only it makes the reading `low` (the table's range
has no lower limit), so a place that ignored it would show another flag. The expected
flag is computed here from the raw bundle's value and that range."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import httpx

from agents import tools
from app.api.server import ApiServer
from app.commands.records import records as records_command
from tests.ui.conftest import BUNDLE
from ui.main_window import MainWindow

PASSWORD = "a long enough password"


def _raw_latest_hba1c(testdata: Path) -> float:
    bundle = json.loads((testdata / "fhir_r4_synthea" / BUNDLE).read_text())
    readings = sorted((r["effectiveDateTime"], r["valueQuantity"]["value"])
                      for r in (e["resource"] for e in bundle["entry"])
                      if r["resourceType"] == "Observation"
                      and r["code"]["coding"][0]["code"] == "4548-4")
    return float(readings[-1][1])


def test_one_reading_has_one_flag_everywhere(qtbot, imported_ctx, testdata: Path) -> None:
    value = _raw_latest_hba1c(testdata)
    low, high = value + 0.5, value + 3.0  # the person's own range: below it is `low`
    expected = "low" if value < low else "normal"
    vault = imported_ctx.vault
    pid = vault.records.list_patients(owner_id=None)[0]["id"]
    vault.records.set_reference_override(patient_id=pid, code="4548-4", low=low, high=high,
                                         unit="%")

    # the team's tool
    latest = tools.latest(vault, patient_id=pid, code="4548-4")
    assert latest is not None and latest.value == value
    assert (latest.flag, latest.quality) == (expected, "ok")

    # `healthinsight records --json`, the command's own code on this context
    out = io.StringIO()
    args = argparse.Namespace(patient=pid, code="4548-4", category=None, since=None,
                              limit=None, json=True)
    with contextlib.redirect_stdout(out):
        assert records_command(args, imported_ctx) == 0
    row = json.loads(out.getvalue())[-1]  # oldest first
    assert row["value"] == value and (row["flag"], row["quality"]) == (expected, "ok")

    # the Records view
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id == pid, timeout=10000)
    window.tabs.setCurrentWidget(window.records)
    window.records.search.setText("4548-4")
    qtbot.waitUntil(lambda: set(window.records.column("code")) == {"4548-4"}, timeout=10000)
    assert window.records.column("flag")[0] == expected  # newest first
    assert window.records.column("quality")[0] == ""  # quality ok shows nothing

    # the API: the key finding of a real query over HTTP
    imported_ctx.auth.add_user("me@example.org", PASSWORD, name="Me")
    server = ApiServer(imported_ctx, "127.0.0.1", 0)
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            login = client.post("/v1/auth/login",
                                json={"email": "me@example.org", "password": PASSWORD})
            client.headers["Authorization"] = f"Bearer {login.json()['data']['access_token']}"
            sent = client.post("/v1/queries", json={"query": "What is my latest HbA1c?",
                                                    "context": {"patient_id": pid}})
            assert sent.status_code == 202, sent.text
            query_id = sent.json()["data"]["query_id"]
            imported_ctx.queries.wait(query_id, timeout=120)
            result = client.get(f"/v1/queries/{query_id}").json()["data"]
        finding = next(f for f in result["synthesis"]["key_findings"] if f["code"] == "4548-4")
        assert finding["current_value"] == round(value, 4)
        assert (finding["flag"], finding["quality"]) == (expected, "ok")
    finally:
        server.stop()
