"""Chunked imports stay all or nothing per file: a failed file's committed chunks are
deleted, other files of the same import are kept, and an import cut short by a killed
process is undone when the vault is next opened."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.services.imports import ImportService
from app.settings import Settings
from storage.errors import IngestError
from storage.ingest.writer import Writer
from storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.storage.conftest import fingerprint, import_paths

RECORD = ('<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" value="{v}" '
          'sourceName="Watch" startDate="2020-01-{d:02d} 00:00:00 +0000" '
          'endDate="2020-01-{d:02d} 00:00:00 +0000"/>')


def _export(path: Path, days: range, tail: str = "") -> Path:
    records = "".join(RECORD.format(v=50 + d, d=d) for d in days)
    path.write_text(f"<HealthData>{records}{tail}</HealthData>")
    return path


def _committed(vault: Vault, import_id: str) -> int:
    """Rows of `import_id` another connection can see (so: committed)."""
    with vault.engine.connect() as conn:
        return int(conn.exec_driver_sql(
            "SELECT count(*) FROM observations WHERE import_id = ?", (import_id,)).scalar_one())


def test_failed_file_removes_its_committed_chunks_but_keeps_earlier_files(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Writer, "BATCH", 4)
    monkeypatch.setattr(Writer, "WRITE_EVERY", 4)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good = _export(tmp_path / "a" / "export.xml", range(1, 11))
    # 20 good readings, then a stray closing tag: several chunks are committed first.
    bad = _export(tmp_path / "b" / "export.xml", range(11, 31), tail="</Oops>")
    seen: list[int] = []
    original = Writer.write

    def spy(self: Writer, *, last: bool = False) -> None:
        original(self, last=last)
        self.wait()  # the chunk is written on the writer's thread
        seen.append(_committed(vault, "imp_chunks"))

    monkeypatch.setattr(Writer, "write", spy)
    import_paths(vault, good, import_id="imp_chunks")
    after_good = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, bad, import_id="imp_chunks")
    assert "not well-formed" in info.value.reason
    assert max(seen) > after_good["observations"][0]  # the bad file did commit chunks
    assert fingerprint(vault) == after_good
    assert after_good["observations"][0] == 10


def test_chunk_over_the_memory_bound_is_written_again_with_more(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk DuckDB cannot write within the import's bound is rolled back and written
    again under Writer.MEMORY_FALLBACK: the file imports whole, each reading once."""
    monkeypatch.setattr(Writer, "WRITE_EVERY", 10)
    export = _export(tmp_path / "export.xml", range(1, 31))
    limit = "SELECT current_setting('memory_limit')"
    with vault.limit_resources(memory_limit="4MB"):
        assert vault.cursor().execute(limit).fetchone() == ("3.8 MiB",)
        import_paths(vault, export, import_id="imp_small")
        assert vault.cursor().execute(limit).fetchone() == ("244.1 MiB",)
    rows = vault.cursor().execute(
        "SELECT count(*), count(DISTINCT effective), min(value), max(value) "
        "FROM observations WHERE import_id = 'imp_small'").fetchone()
    assert rows == (30, 30, 51.0, 80.0)
    patients = vault.cursor().execute(  # the patient declared before the chunk is kept
        "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id "
        "WHERE o.import_id = 'imp_small'").fetchone()
    assert patients == (30,)


def test_writer_checkpoints_once_per_row_group(vault: Vault, vault_home: Path,
                                              tmp_path: Path) -> None:
    """Every CHECKPOINT_EVERY chunks a big file's rows go to disk as one nearly full row
    group, which later checkpoints leave as it is (DuckDB's own checkpoints, every 16 MB
    of log, would cut half groups that the vault's next checkpoint rewrites in pairs)."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = Writer.WRITE_EVERY * (2 * Writer.CHECKPOINT_EVERY) + 10_000
    times = (f"{start + timedelta(minutes=i):%Y-%m-%d %H:%M:%S} +0000" for i in range(rows))
    export = tmp_path / "export.xml"
    export.write_text("<HealthData>" + "".join(
        f'<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" value="60" '
        f'startDate="{t}" endDate="{t}"/>' for t in times) + "</HealthData>")
    service = ImportService(vault, Settings(home=vault_home))  # with the import's settings
    assert service.run([export]).status == "completed"
    service.close()
    cur = vault.cursor()
    groups = ("SELECT row_group_id, sum(count) FROM pragma_storage_info('observations') "
              "WHERE column_name = 'id' AND segment_type <> 'VALIDITY' GROUP BY 1 ORDER BY 1")
    full = Writer.WRITE_EVERY * Writer.CHECKPOINT_EVERY
    assert [n for _, n in cur.execute(groups).fetchall()] == [full, full, 10_000]
    cur.execute("CHECKPOINT")
    assert [n for _, n in cur.execute(groups).fetchall()] == [full, full, 10_000]


def test_failed_first_file_removes_the_patient_it_created(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Writer, "BATCH", 3)
    monkeypatch.setattr(Writer, "WRITE_EVERY", 3)
    before = fingerprint(vault)
    bad = _export(tmp_path / "export.xml", range(1, 20), tail="</Oops>")
    with pytest.raises(IngestError):
        import_paths(vault, bad, import_id="imp_lonely")
    assert fingerprint(vault) == before
    assert before["patients"][0] == 0


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from app.settings import Settings
    from app.services.imports import ImportService
    from storage.ingest.writer import Writer
    from storage.vault import Vault

    vault = Vault.open(Path(sys.argv[1]), passphrase=sys.argv[2])
    service = ImportService(vault, Settings())
    kept = service.run([Path(sys.argv[3])])
    assert kept.status == "completed", kept
    Writer.BATCH = Writer.WRITE_EVERY = 5
    original = Writer.write
    chunks = []

    def write(self):
        original(self)
        self.wait()
        chunks.append(1)
        if len(chunks) == 3:
            with vault.engine.connect() as conn:
                n = conn.exec_driver_sql("SELECT count(*) FROM observations WHERE "
                                         "import_id = ?", (self.import_id,)).scalar_one()
            print(self.import_id, n, flush=True)
            time.sleep(600)

    Writer.write = write
    service.start([Path(sys.argv[4])])
    time.sleep(600)
""")


def test_import_killed_mid_file_is_undone_on_next_open(vault_home: Path, tmp_path: Path) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = _export(tmp_path / "first" / "export.xml", range(1, 6))
    second = _export(tmp_path / "second" / "export.xml", range(6, 31))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(vault_home), PASSPHRASE,
                              str(first), str(second)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    import_id, committed = child.stdout.readline().split()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert int(committed) == 15  # three chunks of five were committed when it died
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        cur = v.cursor()
        left = cur.execute("SELECT count(*) FROM observations WHERE import_id = ?",
                           [import_id]).fetchone()
        kept = cur.execute("SELECT count(*) FROM observations").fetchone()
        row = v.imports.get(import_id=import_id, owner_id=None)
        patients = cur.execute("SELECT count(*) FROM patients").fetchone()
    assert left == (0,)
    assert kept == (5,)  # the first, completed import is untouched
    assert patients == (1,)
    assert row is not None and row["status"] == "failed"
    assert "interrupted" in row["summary"]["errors"][-1]["reason"]


def test_records_in_random_order_are_kept_once_across_chunks(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Merged exports list records in no time order, so a chunk spans every year: a
    reading repeated by a second source many chunks later (and a whole second import of
    the file) is still found, and each distinct reading is kept once."""
    monkeypatch.setattr(Writer, "BATCH", 5)
    monkeypatch.setattr(Writer, "WRITE_EVERY", 10)
    rng = random.Random(3)
    readings = [(f"20{10 + i % 14}-0{1 + i % 9}-1{i % 10} 0{i % 10}:00:00 +0000", 60 + i % 37)
                for i in range(120)]
    sent = [(t, v, src) for t, v in readings for src in ("Watch", "Phone")]
    sent += rng.sample(sent, 30)  # and some exact repeats
    rng.shuffle(sent)
    export = tmp_path / "export.xml"
    export.write_text("<HealthData>" + "".join(
        f'<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" value="{v}" '
        f'sourceName="{src}" startDate="{t}" endDate="{t}"/>' for t, v, src in sent)
        + "</HealthData>")
    expected = sorted({(datetime.strptime(t, "%Y-%m-%d %H:%M:%S %z"), float(v))
                       for t, v in readings})
    import_paths(vault, export, import_id="imp_random")
    import_paths(vault, export, import_id="imp_again")
    kept = vault.cursor().execute(
        "SELECT effective, value FROM observations WHERE import_id IN "
        "('imp_random', 'imp_again') ORDER BY effective, value").fetchall()
    assert sorted(kept) == expected
