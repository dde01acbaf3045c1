"""Benchmark: 50 concurrent loopback clients booking, rescheduling and cancelling across
20 providers for one week, then an overlap count over the whole appointments table.

The server runs in this process over a real encrypted vault; the load comes from a
separate process (asyncio + httpx, one keep-alive connection per client). Each client
picks a random provider, day and grid start, books it (409 when taken), then now and
then reschedules or cancels one of its own. Prints JSON: throughput, p50/p99 latency
per operation and overall, status counts, the final overlap count (target 0; p99 under
200 ms on a 2-core machine), p50/p99 again without the first seconds (`steady`: fifty
clients arriving at once on a cold server, its caches empty, make a run's worst
latencies), and the server's CPU time per request (this process's,
the load being another one), which the machine's other work disturbs less than the
latencies do. Beside it, the clients' CPU time per request, the cores the two kept busy
and the mean latency Little's law gives a closed loop of this many clients at the
throughput measured: each client sends its next request as soon as it has an answer, so
once the cores are busy, latency is queueing, clients / throughput.
The vault lives in the project's tmp/ folder and is removed at the end.

    .venv/bin/python tests/perf/clinic.py [--clients 50] [--seconds 20] [--warmup 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.api.server import ApiServer
from app.context import AppContext
from app.services.auth import AuthService
from app.settings import Settings
from storage.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "benchmark passphrase"
UNLIMITED = (10**9, 60)
TZ = ZoneInfo("America/Los_Angeles")
PROVIDERS = 20
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
Sample = tuple[str, int, float, float]  # operation, status, seconds, started (s into the load)


def week() -> list[date]:
    today = datetime.now(TZ).date()
    monday = today + timedelta(days=7 - today.weekday())
    return [monday + timedelta(days=i) for i in range(5)]


def random_start(rng: random.Random, days: list[date]) -> str:
    """A grid start between 08:00 and 16:30 local on one of the days, in UTC."""
    day = rng.choice(days)
    local = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ) + timedelta(
        minutes=30 * rng.randrange(18))
    return local.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- load generator (its own process) ---------------------------------------

async def _client(n: int, base: str, token: str, org: str, providers: list[str],
                  patient: str, started: float, until: float, days: list[date],
                  samples: list[Sample]) -> None:
    rng = random.Random(n)
    mine: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def timed(kind: str, method: str, url: str, **kw: Any) -> httpx.Response:
            start = time.perf_counter()
            reply = await client.request(method, url, **kw)
            samples.append((kind, reply.status_code, time.perf_counter() - start,
                            start - started))
            return reply

        while time.perf_counter() < until:
            roll = rng.random()
            if mine and roll < 0.2:
                await timed("cancel", "DELETE", f"/api/v1/organizations/{org}/appointments/"
                            f"{mine.pop(rng.randrange(len(mine)))}")
            elif mine and roll < 0.4:
                await timed("reschedule", "PUT", f"/api/v1/organizations/{org}/appointments/"
                            f"{rng.choice(mine)}", json={"scheduledAt": random_start(rng, days)})
            else:
                reply = await timed("book", "POST", f"/api/v1/organizations/{org}/appointments",
                                    json={"patientId": patient,
                                          "providerId": rng.choice(providers),
                                          "scheduledAt": random_start(rng, days)})
                if reply.status_code == 201:
                    mine.append(reply.json()["data"]["appointment"]["id"])


def _load(base: str, token: str, org: str, providers: list[str], patients: list[str],
          seconds: float, out: Any) -> None:
    """Run the clients; put (samples, seconds the load lasted, CPU seconds the clients
    used) on `out` (the process's start-up, its imports, is not part of the load)."""
    async def main() -> tuple[list[Sample], float, float]:
        samples: list[Sample] = []
        cpu = time.process_time()
        started = time.perf_counter()
        until = started + seconds
        days = week()
        await asyncio.gather(*(_client(n, base, token, org, providers, patient, started,
                                       until, days, samples)
                               for n, patient in enumerate(patients)))
        return samples, time.perf_counter() - started, time.process_time() - cpu

    out.put(asyncio.run(main()))


# --- the server and its clinic ----------------------------------------------

def setup(home: Path, clients: int) -> tuple[ApiServer, AppContext, str, str, list[str],
                                             list[str]]:
    vault = Vault.create(home, passphrase=PASSPHRASE, use_keyring=False, scrypt_n=2**12)
    settings = Settings(home=home, passphrase=PASSPHRASE, llm_engine="offline",
                        rate_general=UNLIMITED, rate_auth=UNLIMITED, rate_clinic=UNLIMITED)
    ctx = AppContext(settings, vault)
    auth = AuthService(vault, settings)
    auth.add_user("owner@bench.example", "benchmark password", name="Owner")
    _, token = auth.personal_token()
    server = ApiServer(ctx, "127.0.0.1", 0)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    hours = {day: [{"start": "08:00", "end": "17:00"}] for day in WEEKDAYS}
    with httpx.Client(base_url=base, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        org = client.post("/api/v1/organizations", json={
            "name": "Bench Clinic", "slug": "bench-clinic", "timezone": TZ.key}
        ).json()["data"]["organization"]["id"]
        providers = [client.post(f"/api/v1/organizations/{org}/providers", json={
            "email": f"dr{n}@bench.example", "name": f"Dr. {n}", "role": "attending_physician",
            "availability": hours}).json()["data"]["provider"]["id"] for n in range(PROVIDERS)]
        patients = [client.post(f"/api/v1/organizations/{org}/patients", json={
            "name": f"Patient {n}", "dateOfBirth": "1980-01-01"}).json()["data"]["patient"]["id"]
            for n in range(clients)]
    return server, ctx, token, org, providers, patients


def overlaps(vault: Vault) -> int:
    """Pairs of one provider or one patient overlapping, buffers included, among the
    appointments that hold their time (not cancelled, not a no-show)."""
    row = vault.cursor().execute("""
        SELECT count(*) FROM appointments a JOIN appointments b
          ON a.id < b.id AND (a.provider_id = b.provider_id OR a.patient_id = b.patient_id)
         AND a.block_start < b.block_end AND b.block_start < a.block_end
         AND a.scheduled_at < b.ends_at AND b.scheduled_at < a.ends_at
        WHERE a.status NOT IN ('cancelled', 'no_show')
          AND b.status NOT IN ('cancelled', 'no_show')""").fetchone()
    return int(row[0]) if row else -1


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds at the start left out of `steady`")
    args = parser.parse_args()
    (ROOT / "tmp").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "tmp") as tmp:
        server, ctx, token, org, providers, patients = setup(Path(tmp) / "vault", args.clients)
        try:
            spawn = multiprocessing.get_context("spawn")
            out = spawn.Queue()
            worker = spawn.Process(target=_load, args=(
                f"http://127.0.0.1:{server.port}", token, org, providers, patients,
                args.seconds, out))
            worker.start()
            cpu = time.process_time()  # the server idles while the client process starts
            samples, elapsed, load_cpu = out.get()
            cpu = time.process_time() - cpu
            worker.join()
            found = overlaps(ctx.vault)
        finally:
            server.stop()
            ctx.close()
    steady = [s for s in samples if s[3] >= args.warmup]
    by_kind: dict[str, Any] = {}
    for kind in ("book", "reschedule", "cancel"):
        mine = [s for s in samples if s[0] == kind]
        by_kind[kind] = {"requests": len(mine), **_quantiles([s[2] for s in mine]),
                         "statuses": dict(Counter(str(s[1]) for s in mine))}
    print(json.dumps({
        "clients": args.clients, "providers": PROVIDERS, "seconds": args.seconds,
        "requests": len(samples), "throughput_rps": round(len(samples) / elapsed, 1),
        **_quantiles([s[2] for s in samples]), "operations": by_kind,
        "steady": {"after_seconds": args.warmup, "requests": len(steady),
                   **_quantiles([s[2] for s in steady])},
        "server_cpu_ms_per_request": round(cpu * 1000 / max(len(samples), 1), 2),
        "load_cpu_ms_per_request": round(load_cpu * 1000 / max(len(samples), 1), 2),
        # Busy cores over the load (server and clients; the machine's other work not
        # counted). Near the machine's cores, throughput is what its CPU allows, and a
        # closed loop's mean latency is clients / throughput (Little's law).
        "cores_busy": round((cpu + load_cpu) / elapsed, 2),
        "littles_law_mean_ms": round(args.clients / (len(samples) / elapsed) * 1000, 1),
        "server_errors": sum(1 for s in samples if s[1] >= 500),
        "overlaps": found}, indent=2))


if __name__ == "__main__":
    main()
