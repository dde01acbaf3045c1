"""Benchmark: encrypted vault vs a plain DuckDB file, same schema, same work.

Inserts N observation rows (default 1,000,000) and runs a per-year trend query over
them, on an encrypted vault and on an unencrypted DuckDB file, in the same run, and
prints JSON with each time and the encrypted/plain ratio (target: at most 1.3x).

    .venv/bin/python tests/perf/vault.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import duckdb_engine
import sqlalchemy as sa

from storage import schema
from storage.vault import Vault

INSERT = """
INSERT INTO observations (patient_id, category, code_system, code, display, value, unit,
                          original_value, original_unit, effective, source, content_hash)
SELECT 'pat_' || (i % 50), 'laboratory', 'http://loinc.org',
       ['2093-3', '2089-1', '2085-9', '4548-4', '8480-6'][1 + i % 5],
       'analyte', 80 + (i * 7919 % 1200) / 10.0, 'mg/dL',
       CAST(80 + (i * 7919 % 1200) / 10.0 AS VARCHAR), 'mg/dL',
       TIMESTAMPTZ '2010-01-01 00:00:00+00' + to_minutes(CAST(i * 7 AS BIGINT)),
       'benchmark', md5_number(CAST(i AS VARCHAR))
FROM range(?) r(i)
"""

TREND = """
SELECT code, date_part('year', effective) AS year, count(*) AS n, avg(value) AS mean,
       regr_slope(value, epoch(effective) / 31557600.0) AS slope_per_year
FROM observations
WHERE patient_id = 'pat_7'
GROUP BY ALL ORDER BY code, year
"""


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def plain_db(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    engine = sa.create_engine(
        "duckdb://", creator=lambda: duckdb_engine.ConnectionWrapper(con.cursor()))
    schema.metadata.create_all(engine)
    engine.dispose()
    return con


def insert(cur: duckdb.DuckDBPyConnection, rows: int) -> float:
    start = time.perf_counter()
    cur.execute("BEGIN")
    cur.execute(INSERT, [rows])
    cur.execute("COMMIT")
    cur.execute("CHECKPOINT")
    return time.perf_counter() - start


def query(open_cursor: Callable[[], duckdb.DuckDBPyConnection],
          close: Callable[[], None], repeat: int) -> dict[str, float]:
    """Cold: the first query after a fresh open reads (and decrypts) blocks from disk."""
    cold = []
    for _ in range(repeat):
        cur = open_cursor()
        start = time.perf_counter()
        cur.execute(TREND).fetchall()
        cold.append(time.perf_counter() - start)
        warm = timed(lambda cur=cur: cur.execute(TREND).fetchall(), repeat)
        close()
    return {"trend_query_cold_seconds": round(statistics.median(cold), 5),
            "trend_query_warm_seconds": round(warm, 5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        enc_home, plain_path = Path(tmp) / "enc", Path(tmp) / "plain.duckdb"
        vault = Vault.create(enc_home, passphrase="bench", use_keyring=False)
        enc_insert = insert(vault.cursor(), args.rows)
        encrypted: dict[str, float] = {"insert_seconds": round(enc_insert, 4)}
        vault.close()
        con = plain_db(plain_path)
        plain: dict[str, float] = {"insert_seconds": round(insert(con.cursor(), args.rows), 4)}
        con.close()

        opened: list[Vault | duckdb.DuckDBPyConnection] = []

        def open_vault() -> duckdb.DuckDBPyConnection:
            opened.append(Vault.open(enc_home, passphrase="bench"))
            return opened[-1].cursor()  # type: ignore[union-attr]

        def open_plain() -> duckdb.DuckDBPyConnection:
            opened.append(duckdb.connect(str(plain_path)))
            return opened[-1].cursor()  # type: ignore[union-attr]

        encrypted |= query(open_vault, lambda: opened.pop().close(), args.repeat)
        plain |= query(open_plain, lambda: opened.pop().close(), args.repeat)
    print(json.dumps({
        "benchmark": "vault",
        "rows": args.rows,
        "encrypted": encrypted,
        "unencrypted": plain,
        "ratio": {
            "insert": round(encrypted["insert_seconds"] / plain["insert_seconds"], 3),
            **{key.removesuffix("_seconds"): round(encrypted[key] / plain[key], 3)
               for key in ("trend_query_cold_seconds", "trend_query_warm_seconds")},
        },
        "target_ratio": 1.3,
    }, indent=2))


if __name__ == "__main__":
    main()
