"""One reading, one flag and one quality: the latest HbA1c reads the same in the Records
view, `healthinsight records`, the API's key finding and the team's tool.

First under a personal reference range set so that only it makes the reading `low` (the
table's range has no lower limit), so a place that ignored it would show another flag;
then with a second, different result typed in for the same instant, which every place
must call a `conflict` (two results at one time that differ by more than rounding). The
expected flag and values are computed here from the raw bundle."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from agents import tools
from app.api.server import ApiServer
from app.commands.records import records as records_command
from app.services.records import RecordsService
from tests.ui.conftest import BUNDLE
from ui.main_window import MainWindow

PASSWORD = "a long enough password"
HBA1C = "4548-4"


def _raw_latest_hba1c(testdata: Path) -> tuple[str, float]:
    bundle = json.loads((testdata / "fhir_r4_synthea" / BUNDLE).read_text())
    readings = sorted((r["effectiveDateTime"], r["valueQuantity"]["value"])
                      for r in (e["resource"] for e in bundle["entry"])
                      if r["resourceType"] == "Observation"
                      and r["code"]["coding"][0]["code"] == HBA1C)
    return readings[-1][0], float(readings[-1][1])


def _cli_rows(ctx, pid: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """`healthinsight records --json --code 4548-4`, the command's own code on `ctx`."""
    out = io.StringIO()
    args = argparse.Namespace(patient=pid, code=HBA1C, category=None, since=None,
                              limit=None, json=True)
    with contextlib.redirect_stdout(out):
        assert records_command(args, ctx) == 0
    return json.loads(out.getvalue())  # oldest first


def _window_rows(qtbot, ctx, pid: str, count: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(value, flag, quality) of the Records view's HbA1c rows as shown, newest first."""
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id == pid, timeout=10000)
    window.tabs.setCurrentWidget(window.records)
    window.records.search.setText(HBA1C)
    records = window.records
    qtbot.waitUntil(lambda: records.model.rowCount() == count and records.all_loaded()
                    and set(records.column("code")) == {HBA1C}, timeout=10000)
    return list(zip(records.column("value"), records.column("flag"),
                    records.column("quality"), strict=True))


def _api_finding(ctx, pid: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The HbA1c key finding of a real query over HTTP."""
    ctx.auth.add_user("me@example.org", PASSWORD, name="Me")
    server = ApiServer(ctx, "127.0.0.1", 0)
    server.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60) as client:
            login = client.post("/v1/auth/login",
                                json={"email": "me@example.org", "password": PASSWORD})
            client.headers["Authorization"] = f"Bearer {login.json()['data']['access_token']}"
            sent = client.post("/v1/queries", json={"query": "What is my latest HbA1c?",
                                                    "context": {"patient_id": pid}})
            assert sent.status_code == 202, sent.text
            query_id = sent.json()["data"]["query_id"]
            ctx.queries.wait(query_id, timeout=120)
            result = client.get(f"/v1/queries/{query_id}").json()["data"]
    finally:
        server.stop()
    return next(f for f in result["synthesis"]["key_findings"] if f["code"] == HBA1C)


def test_one_reading_has_one_flag_everywhere(qtbot, imported_ctx, testdata: Path) -> None:
    _, value = _raw_latest_hba1c(testdata)
    low, high = value + 0.5, value + 3.0  # the person's own range: below it is `low`
    expected = "low" if value < low else "normal"
    vault = imported_ctx.vault
    pid = vault.records.list_patients(owner_id=None)[0].id
    vault.records.set_reference_override(patient_id=pid, code=HBA1C, low=low, high=high,
                                         unit="%")

    latest = tools.latest(vault, patient_id=pid, code=HBA1C)  # the team's tool
    assert latest is not None and latest.value == value
    assert (latest.flag, latest.quality) == (expected, "ok")

    row = _cli_rows(imported_ctx, pid)[-1]
    assert row["value"] == value and (row["flag"], row["quality"]) == (expected, "ok")

    count = len(_cli_rows(imported_ctx, pid))
    shown = _window_rows(qtbot, imported_ctx, pid, count)[0]  # newest first
    assert shown == (f"{value:g}", expected, "")  # quality ok shows nothing

    finding = _api_finding(imported_ctx, pid)
    assert finding["current_value"] == round(value, 4)
    assert (finding["flag"], finding["quality"]) == (expected, "ok")


def test_two_results_at_one_instant_are_a_conflict_everywhere(qtbot, imported_ctx,
                                                              testdata: Path) -> None:
    when, value = _raw_latest_hba1c(testdata)
    other = round(value + 1.0, 2)  # 1 point of HbA1c apart: far beyond rounding
    vault = imported_ctx.vault
    pid = vault.records.list_patients(owner_id=None)[0].id
    RecordsService(vault).add_reading(patient_id=pid, code=HBA1C, value=other, unit="%",
                                      when=datetime.fromisoformat(when))

    latest = tools.latest(vault, patient_id=pid, code=HBA1C)
    assert latest is not None and latest.quality == "conflict"
    assert sorted(latest.values) == sorted([value, other])

    rows = _cli_rows(imported_ctx, pid)
    at_last = [r for r in rows if r["effective"] == rows[-1]["effective"]]
    assert sorted(r["value"] for r in at_last) == sorted([value, other])
    assert {r["quality"] for r in at_last} == {"conflict"}
    assert {r["quality"] for r in rows[:-2]} <= {"ok"}  # the earlier ones stay credible
    flags = {r["flag"] for r in at_last}

    shown = _window_rows(qtbot, imported_ctx, pid, len(rows))[:2]  # the two newest
    assert sorted(v for v, _, _ in shown) == sorted([f"{value:g}", f"{other:g}"])
    assert {q for _, _, q in shown} == {"conflict"}
    assert {f for _, f, _ in shown} == flags

    finding = _api_finding(imported_ctx, pid)
    assert finding["quality"] == "conflict"
