"""Soak: mixed load on a real `healthinsight serve` on loopback, killed and restarted.

    .venv/bin/python tests/perf/soak.py [--minutes 10] [--restart-seconds 120]

Readers (conversation lists, import status), questions (about the vault's real
patients, whose ids the server lists when a question names none), imports of the
Synthea bundles in ../shared/testdata and 20 WebSocket clients run against the server
while it is SIGKILLed and restarted every two minutes (the clients reconnect). Afterwards the
vault is opened and every import checked: a committed one (completed) holds exactly
the rows its summary counts, and for a bundle's first import, as many conditions,
encounters, immunizations, allergies and medication requests as the raw file has
distinct resources; an import cut short holds no rows at all. Prints JSON: requests,
answers by status, 5xx, the server's RSS at the start and the end, restarts that
failed, and the import check. Targets: 0 5xx, RSS flat within 10%, 0 failed restarts,
every import whole.

Every 5xx is listed with its route (ids replaced by ``{id}``), the documented code it
answered and the server's own log line for it (the logger's message and the exception's
class, never its text: no patient data). RSS is sampled every few seconds with the age
of the server that answered; "start" and "end" are the first and the last server's RSS
at the same age (the last life's oldest sample), so a server that was just restarted is
not compared with one that has warmed up for two minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from app.services.auth import AuthService  # noqa: E402
from app.settings import Settings  # noqa: E402
from storage.schema import RECORD_TABLES  # noqa: E402
from storage.vault import Vault  # noqa: E402
from tests.api.helpers import raw_counts  # noqa: E402

TESTDATA = ROOT.parent / "shared" / "testdata"
EXE = Path(sys.executable).with_name("healthinsight")
PASSPHRASE, EMAIL, PASSWORD = "soak passphrase", "soak@example.org", "a long soak password"
HIGH = "[1000000, 60]"
WS_CLIENTS = 20
RSS_EVERY = 5.0  # seconds between RSS samples
ID = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f-]{27}|[a-z]+_[0-9A-Za-z]{6,}|\d+)(?=[/\s)]|$)")
# what the server logs for an answer it could not give (app/api/middleware.py, errors.py)
SERVER_FAILURE = re.compile(r"(out of memory on|unhandled error on|vault unavailable)")
EXCEPTION_CLASS = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt))\b")


def route(path: str) -> str:
    """`path` with its ids replaced, so a route names no record."""
    return ID.sub("/{id}", path)


class Server:
    """The current `serve` process and its address; restarts count as failed when the
    new process does not answer a login within a minute."""

    def __init__(self, home: Path) -> None:
        self.env = {**os.environ, "HEALTHINSIGHT_HOME": str(home), "PYTHONPATH": str(ROOT),
                    "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE, "HEALTHINSIGHT_LLM_ENGINE": "offline",
                    **{f"HEALTHINSIGHT_RATE_{k}": HIGH for k in
                       ("AUTH", "QUERIES", "IMPORT", "GENERAL", "CLINIC")}}
        self.proc: subprocess.Popen[str] | None = None
        self.base = ""
        self.token = ""
        self.failed_restarts = 0
        self.ready = threading.Event()
        self.logs = home.parent / "logs"  # each server's stderr, inside the project
        self.logs.mkdir(parents=True, exist_ok=True)
        self.lives = 0
        self.started_at = 0.0

    def start(self) -> bool:
        self.lives += 1
        with (self.logs / f"server-{self.lives}.log").open("w") as stderr:
            self.proc = subprocess.Popen([str(EXE), "serve", "--port", "0"], env=self.env,
                                         text=True, stdout=subprocess.PIPE, stderr=stderr)
        self.started_at = time.monotonic()
        assert self.proc.stdout is not None
        match = re.search(r"API on (http://[\d.:]+) ", self.proc.stdout.readline())
        try:
            assert match
            reply = httpx.post(f"{match.group(1)}/v1/auth/login", timeout=60,
                               json={"email": EMAIL, "password": PASSWORD})
            reply.raise_for_status()
        except (AssertionError, httpx.HTTPError):
            self.failed_restarts += 1
            return False
        self.base, self.token = match.group(1), reply.json()["data"]["access_token"]
        self.ready.set()
        return True

    def kill(self, sig: int = signal.SIGKILL) -> None:
        self.ready.clear()
        if self.proc is not None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=120)

    def rss_mb(self) -> float:
        assert self.proc is not None
        return round(psutil.Process(self.proc.pid).memory_info().rss / 2**20, 1)

    def failures(self) -> list[dict[str, object]]:
        """The server's log lines for answers it could not give: which life, the line
        (method, route, request id) and the class of the exception that followed."""
        found: list[dict[str, object]] = []
        for life in range(1, self.lives + 1):
            lines = (self.logs / f"server-{life}.log").read_text(errors="replace").splitlines()
            for n, line in enumerate(lines):
                hit = SERVER_FAILURE.search(line)
                if hit is None:
                    continue
                kinds = [m[1] for later in lines[n + 1:n + 200]
                         if (m := EXCEPTION_CLASS.match(later))]
                found.append({"life": life, "line": route(line[hit.start():])[:200],
                              "exception": kinds[-1] if kinds else None})
        return found


class Load:
    def __init__(self, server: Server, bundles: list[Path]) -> None:
        self.server = server
        self.bundles = bundles
        self.stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.fivexx: list[dict[str, object]] = []  # each 5xx: route, code, server's age
        self.transport_errors = 0  # requests cut by a kill (expected)
        self.imports: list[tuple[str, Path]] = []
        self.lock = threading.Lock()

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response | None:
        if not self.server.ready.wait(120):
            return None
        try:
            reply = httpx.request(method, self.server.base + path, timeout=60,
                                  headers={"Authorization": f"Bearer {self.server.token}"},
                                  **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError:
            with self.lock:
                self.transport_errors += 1
            return None
        with self.lock:
            self.statuses[reply.status_code] += 1
            if reply.status_code >= 500:
                try:
                    code = reply.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = None
                self.fivexx.append({
                    "route": f"{method} {route(path)}", "status": reply.status_code,
                    "code": code, "request_id": reply.headers.get("x-request-id"),
                    "life": self.server.lives,
                    "server_age_s": round(time.monotonic() - self.server.started_at, 1)})
        return reply

    def reader(self) -> None:
        while not self.stop.is_set():
            self.request("GET", "/v1/conversations")
            with self.lock:
                known = [i for i, _ in self.imports[-5:]]
            for import_id in known:
                self.request("GET", f"/v1/health-data/import/{import_id}")

    def asker(self) -> None:
        questions = ["What's my cholesterol trend?", "How is my blood pressure?",
                     "Summarize my recent labs", "Is my glucose normal?"]
        patients: list[str] = []  # the vault's patients, as the server names them
        while not self.stop.wait(1.0):
            body: dict[str, object] = {"query": random.choice(questions)}
            if patients:
                body["context"] = {"patient_id": random.choice(patients)}
            reply = self.request("POST", "/v1/queries", json=body)
            if reply is not None and reply.status_code == 400:
                # "say which one": the answer lists the patients to choose from
                error = reply.json()["error"]
                patients = [str(p["id"]) for p in error.get("details", {}).get("patients", [])]

    def importer(self) -> None:
        n = 0
        while not self.stop.wait(3.0):
            bundle = self.bundles[n % len(self.bundles)]
            n += 1
            reply = self.request("POST", "/v1/health-data/import", files=[
                ("file", (bundle.name, bundle.read_bytes(), "application/json"))])
            if reply is not None and reply.status_code == 202:
                with self.lock:
                    self.imports.append((reply.json()["data"]["import_id"], bundle))

    def websocket(self) -> None:
        while not self.stop.is_set():
            if not self.server.ready.wait(120):
                return
            try:
                with connect(self.server.base.replace("http", "ws") + "/ws",
                             open_timeout=30) as ws:
                    ws.send(json.dumps({"type": "auth", "token": self.server.token}))
                    ws.recv(timeout=30)
                    while not self.stop.wait(2.0):
                        ws.send(json.dumps({"type": "ping"}))
                        ws.recv(timeout=30)
            except Exception:  # killed server: reconnect to the next one
                time.sleep(0.5)


def check_imports(home: Path, imports: list[tuple[str, Path]]) -> dict[str, object]:
    vault = Vault.open(home, passphrase=PASSPHRASE)
    cur = vault.cursor()
    checked, broken, first_seen = Counter(), [], set()
    try:
        for import_id, bundle in imports:
            row = vault.imports.get(import_id=import_id, owner_id=None)
            rows = {t.name: int(cur.execute(f'SELECT count(*) FROM "{t.name}" WHERE import_id '
                                            "= ?", [import_id]).fetchone()[0])
                    for t in RECORD_TABLES if t.name != "patients"}
            status = row["status"] if row else "missing"
            reasons = [e.get("reason", "") for e in ((row or {}).get("summary") or {})
                       .get("errors", [])]
            if status == "failed" and reasons and all(r.startswith("interrupted") for r in reasons):
                status = "failed: interrupted by a kill"  # undone at the next open
            checked[status] += 1
            total = sum(rows.values())
            if status == "completed":
                if total != row["summary"]["total_records"]:
                    broken.append({"import": import_id, "why": "rows differ from summary"})
                if bundle not in first_seen:
                    want = raw_counts(bundle)
                    got = {t: rows.get(t, 0) for t in want}
                    if got != want:
                        broken.append({"import": import_id, "why": f"{got} != raw {want}"})
                first_seen.add(bundle)
            elif status.startswith("failed") and total:
                broken.append({"import": import_id, "why": f"failed but kept {total} rows"})
    finally:
        vault.close()
    return {"imports_by_status": dict(checked), "not_whole": broken}


def rss_report(samples: list[tuple[int, float, float]]) -> dict[str, object]:
    """RSS of the first and the last server at the same age (the last one's oldest
    sample), and each life's curve (age -> MB, every fourth sample)."""
    last = samples[-1][0]
    age = samples[-1][1]
    first_life = [(a, mb) for life, a, mb in samples if life == 1]
    start = min(first_life, key=lambda s: abs(s[0] - age))
    end = samples[-1][2]
    curves = {str(life): [[a, mb] for lf, a, mb in samples if lf == life][::4]
              for life in sorted({s[0] for s in samples})}
    return {"at_age_s": [start[0], age], "start": start[1], "end": end,
            "change_percent": round(100 * (end - start[1]) / start[1], 1),
            "peak": max(mb for _, _, mb in samples), "lives": curves, "last_life": last}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--restart-seconds", type=float, default=120)
    args = parser.parse_args()
    # inside the project, not the system's temporary folder (nothing of a vault goes there)
    home = ROOT / "tmp" / f"soak-{os.getpid()}" / "vault"
    vault = Vault.create(home, passphrase=PASSPHRASE, use_keyring=False, scrypt_n=2**12)
    AuthService(vault, Settings(home=home)).add_user(EMAIL, PASSWORD, name="Soak")
    vault.close()
    bundles = sorted((TESTDATA / "fhir_r4_synthea").glob("*.json"))
    server = Server(home)
    if not server.start():
        raise SystemExit("the first server did not start")
    load = Load(server, bundles)
    workers = [threading.Thread(target=load.reader, daemon=True) for _ in range(3)]
    workers += [threading.Thread(target=load.asker, daemon=True),
                threading.Thread(target=load.importer, daemon=True)]
    workers += [threading.Thread(target=load.websocket, daemon=True) for _ in range(WS_CLIENTS)]
    for worker in workers:
        worker.start()
    started = time.monotonic()
    end = started + args.minutes * 60
    samples: list[tuple[int, float, float]] = []  # (life, age in s, RSS in MB)
    restarts = 0
    next_kill = started + args.restart_seconds
    next_sample = started
    while time.monotonic() < end:
        time.sleep(1)
        now = time.monotonic()
        if now >= next_sample:
            samples.append((server.lives, round(now - server.started_at, 1), server.rss_mb()))
            next_sample = now + RSS_EVERY
        if now >= next_kill and now < end - 30:
            server.kill()
            restarts += 1
            while not server.start() and server.failed_restarts < 5:
                server.kill()
            next_kill = time.monotonic() + args.restart_seconds
    samples.append((server.lives, round(time.monotonic() - server.started_at, 1),
                    server.rss_mb()))
    load.stop.set()
    time.sleep(5)  # let imports in flight be stored or left for the check
    server.kill(signal.SIGTERM)
    for worker in workers:
        worker.join(timeout=30)
    fivexx = sum(n for code, n in load.statuses.items() if code >= 500)
    report = {
        "minutes": args.minutes, "restarts": restarts,
        "failed_restarts": server.failed_restarts,
        "requests": sum(load.statuses.values()),
        "by_status": {str(k): v for k, v in sorted(load.statuses.items())},
        "5xx": fivexx, "5xx_answers": load.fivexx, "server_failures": server.failures(),
        "cut_by_kill": load.transport_errors,
        "rss_mb": rss_report(samples),
        **check_imports(home, load.imports),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    shutil.rmtree(home.parent, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
