"""Benchmark: the API's GET /v1/conversations and GET /v1/queries/{id} against a bare
FastAPI endpoint served the same way in the same run (the ceiling).

The servers (ours over a real encrypted vault with one imported Synthea bundle and one
answered query, and a one-route FastAPI app) run in this process on loopback; the load
comes from a separate process: N concurrent keep-alive connections for D seconds
each. Prints JSON with requests/s and p99 per endpoint and the ratio to the bare
endpoint's throughput (target: at least 0.4).

    .venv/bin/python tests/perf/api.py [--clients N] [--seconds D]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from app.api.server import ApiServer
from app.context import AppContext
from app.services.auth import AuthService
from app.settings import Settings
from storage.vault import Vault

PASSPHRASE = "benchmark passphrase"
BUNDLE = (Path(__file__).resolve().parents[3] / "shared" / "testdata" / "fhir_r4_synthea"
          / "Alfreda_Wyman_3287b938-4670-47eb-91e5-e0ce3df71405.json")
UNLIMITED = (10**9, 60)
# No database work behind it: what auth, limits, envelopes and validation cost alone.
PLATFORM = "GET /v1/medical-team/specialists (platform only)"


# --- load generator (runs in its own process) -------------------------------

async def _one_client(port: int, path: str, token: str, until: float,
                      latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode()
    while time.perf_counter() < until:
        start = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await reader.readexactly(length)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        latencies.append(time.perf_counter() - start)
    writer.close()


def _load(port: int, path: str, token: str, clients: int, seconds: float,
          out: multiprocessing.Queue) -> None:
    async def main() -> list[float]:
        latencies: list[float] = []
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_one_client(port, path, token, until, latencies)
                               for _ in range(clients)))
        return latencies

    started = time.perf_counter()
    latencies = asyncio.run(main())
    elapsed = time.perf_counter() - started
    latencies.sort()
    out.put({"requests": len(latencies), "rps": round(len(latencies) / elapsed, 1),
             "p50_ms": round(statistics.median(latencies) * 1000, 2),
             "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)})


def measure(port: int, path: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = spawn.Queue()
    proc = spawn.Process(target=_load, args=(port, path, token, clients, seconds, out))
    proc.start()
    result = out.get(timeout=seconds + 120)
    proc.join()
    return dict(result)


def service_ms(call: Any, repeat: int = 200) -> float:
    """The service call alone, in this process, one at a time (no HTTP, no API layer)."""
    call()
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return round((time.perf_counter() - start) / repeat * 1000, 3)


# --- the servers --------------------------------------------------------------

def bare_server() -> tuple[uvicorn.Server, int]:
    app = FastAPI()

    @app.get("/bare")
    def bare() -> dict[str, Any]:
        return {"success": True, "data": {"ok": True}}

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False, ws="websockets-sansio"))
    import threading

    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, int(server.servers[0].sockets[0].getsockname()[1])


def our_server(home: Path) -> tuple[ApiServer, AppContext, str, str]:
    vault = Vault.create(home, passphrase=PASSPHRASE, use_keyring=False, scrypt_n=2**12)
    settings = Settings(home=home, passphrase=PASSPHRASE, llm_engine="offline",
                        rate_general=UNLIMITED, rate_auth=UNLIMITED)
    ctx = AppContext(settings, vault)
    auth = AuthService(vault, settings)
    auth.add_user("bench@example.org", "benchmark password", name="Bench")
    ctx.imports.run([BUNDLE])
    query = ctx.queries.ask("What's my cholesterol trend?")
    for n in range(30):
        ctx.queries.create_conversation(owner_id=None, title=f"Conversation {n}")
    _, token = auth.personal_token()
    server = ApiServer(ctx, "127.0.0.1", 0)
    server.start()
    return server, ctx, token, query.query_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours, ctx, token, query_id = our_server(Path(tmp) / "vault")
        bare, bare_port = bare_server()
        try:
            ceiling = measure(bare_port, "/bare", token, args.clients, args.seconds)
            report: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds,
                                      "bare_fastapi": ceiling}
            services = {
                "/v1/conversations": lambda: ctx.queries.list_conversations(owner_id=None),
                f"/v1/queries/{query_id}": lambda: ctx.queries.get(query_id, owner_id=None),
                "/v1/medical-team/specialists": ctx.queries.specialists,
            }
            for name, path in (("GET /v1/conversations", "/v1/conversations"),
                               ("GET /v1/queries/{id}", f"/v1/queries/{query_id}"),
                               (PLATFORM, "/v1/medical-team/specialists")):
                result = measure(ours.port, path, token, args.clients, args.seconds)
                result["ratio_to_bare"] = round(result["rps"] / ceiling["rps"], 3)
                result["service_call_ms"] = service_ms(services[path])
                report[name] = result
            report["target_ratio"] = 0.4
        finally:
            bare.should_exit = True
            ours.stop()
            ctx.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
