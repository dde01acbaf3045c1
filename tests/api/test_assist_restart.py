"""A chat conversation and a generated report outlive the server: `healthinsight serve`
is stopped between the chat's hold and its "yes", and the report is downloaded again
from the new process; neither is reachable from another organization."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.api.clinic import make_org, patient_body, provider_body, say
from tests.api.conftest import PASSWORD, USERS
from tests.conftest import PASSPHRASE

EXE = Path(sys.executable).with_name("healthinsight")
ZONE = ZoneInfo("America/Los_Angeles")
WEEK = {day: [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


@dataclass
class Served:
    """A `serve` process, shaped like the tests' `Api` for `make_org`."""

    base: str

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {}
        if who:
            reply = httpx.post(f"{self.base}/v1/auth/login", timeout=60,
                               json={"email": USERS[who][0], "password": PASSWORD})
            assert reply.status_code == 200, reply.text
            headers["Authorization"] = f"Bearer {reply.json()['data']['access_token']}"
        return httpx.Client(base_url=self.base, headers=headers, timeout=60)


@contextmanager
def serving(home: Path) -> Iterator[Served]:
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(home), "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE,
           "HEALTHINSIGHT_LLM_ENGINE": "offline"}
    proc = subprocess.Popen([str(EXE), "serve", "--port", "0"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"API on (http://127\.0\.0\.1:\d+) ", line)
        assert match, f"serve did not start: {line!r}"
        yield Served(match.group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM


def test_chat_and_report_survive_a_restart(users_vault_template: Path,
                                           tmp_path: Path) -> None:
    home = tmp_path / "vault"
    shutil.copytree(users_vault_template, home)
    with serving(home) as served:
        org = make_org(served, timezone="America/Los_Angeles")  # type: ignore[arg-type]
        other = make_org(served)  # type: ignore[arg-type]
        made = org.admin.post(org.url("/providers"), json=provider_body(
            1, name="Dr. John Smith", availability=WEEK))
        assert made.status_code == 201, made.text
        patient_id = org.admin.post(org.url("/patients"), json=patient_body(1)).json()[
            "data"]["patient"]["id"]
        first = say(org, "I need an appointment with Dr. Smith next Tuesday afternoon",
                     patientId=patient_id)
        conversation = first["conversationId"]
        held = say(org, "the 2:30 one", conversation)
        assert held["availableActions"][0]["type"] == "confirm_booking"
        day = first["availableActions"][0]["date"]
        report = org.admin.post(org.url("/reports"), json={
            "type": "appointment_summary", "period": {"start": day, "end": day},
            "format": "csv"}).json()["data"]
        before = org.admin.get(report["downloadUrl"])
        assert before.status_code == 200 and before.content.strip()

    with serving(home) as served:
        org.base = other.base = served.base
        after = org.admin.get(report["downloadUrl"])
        assert after.status_code == 200 and after.content == before.content
        assert other.admin.get(report["downloadUrl"]).status_code == 404
        assert other.admin.get(
            other.url(f"/reports/{report['reportId']}/download")).status_code == 404

        stranger = say(other, "yes", conversation)  # another organization's conversation
        assert stranger["conversationId"] != conversation
        assert stranger["availableActions"] == []

        done = say(org, "yes", conversation)
        booked = done["availableActions"][0]
        assert booked["type"] == "appointment_booked"
        assert booked["confirmationNumber"] in done["response"]
        [appointment] = org.admin.get(org.url("/appointments"), params={
            "patientId": patient_id}).json()["data"]["appointments"]
        at = datetime.fromisoformat(appointment["scheduledAt"].replace("Z", "+00:00"))
        assert (at.astimezone(ZONE).date().isoformat(), f"{at.astimezone(ZONE):%H:%M}") == (
            day, "14:30")
