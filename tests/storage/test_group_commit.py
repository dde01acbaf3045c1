"""Group commit on a real vault: jobs queued while a group runs share the next
transaction; a job refused before writing leaves the others alone; a job failing after
writing is rolled back alone (the others run again and commit once each), also when what
it wrote is held for the commit (a new appointment); every audit row commits with its
job and the chain verifies."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from storage.repos.scheduling.group import GroupWriter
from storage.repos.scheduling.guard import Claim
from storage.schema import appointments
from storage.vault import Vault

probe = sa.Table("group_probe", sa.MetaData(), sa.Column("name", sa.String))


class Refused(Exception):
    pass


def _rows(vault: Vault) -> list[str]:
    with vault.engine.connect() as conn:
        return sorted(conn.execute(sa.select(probe.c.name)).scalars())


def test_a_group_commits_its_jobs_and_only_a_failed_writer_is_undone(vault: Vault) -> None:
    vault.cursor().execute("CREATE TABLE group_probe (name VARCHAR)")
    writer = GroupWriter(vault)
    runs: Counter[str] = Counter()
    release = threading.Event()
    outcomes: dict[str, object] = {}

    def job(name: str, *, refuse: bool = False, fail_after_write: bool = False,
            hold: bool = False) -> Callable[[sa.Connection], str]:
        def work(conn: sa.Connection) -> str:
            runs[name] += 1
            if hold:  # the first group waits until the others are queued behind it
                release.wait()
            if refuse:
                raise Refused(name)
            conn.execute(sa.insert(probe).values(name=name))
            vault.audit.append(conn, action=f"probe.{name}", organization_id=None)
            if fail_after_write:
                raise RuntimeError(f"{name} failed after writing")
            return name
        return work

    def call(name: str, **kw: bool) -> None:
        try:
            outcomes[name] = writer.run(job(name, **kw))
        except Exception as exc:  # noqa: BLE001 (the outcome is what is checked)
            outcomes[name] = exc

    first = threading.Thread(target=call, args=("first",), kwargs={"hold": True})
    first.start()
    while not runs["first"]:  # the first group is under way, its leader inside its job
        time.sleep(0.001)
    others = [threading.Thread(target=call, args=(name,), kwargs=kw) for name, kw in (
        ("kept", {}), ("refused", {"refuse": True}), ("broken", {"fail_after_write": True}),
        ("also_kept", {}))]
    for queued, thread in enumerate(others, start=1):  # queued in this order
        thread.start()
        while len(writer._waiting) < queued:
            time.sleep(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join()

    assert outcomes["first"] == "first" and outcomes["kept"] == "kept"
    assert outcomes["also_kept"] == "also_kept"
    assert isinstance(outcomes["refused"], Refused)
    assert isinstance(outcomes["broken"], RuntimeError)
    assert _rows(vault) == ["also_kept", "first", "kept"]
    # the second group was rolled back at "broken" and ran again without it
    assert runs == {"first": 1, "kept": 2, "refused": 2, "broken": 1, "also_kept": 1}
    with vault.engine.connect() as conn:
        actions = Counter(conn.execute(sa.text(
            "SELECT action FROM audit_events WHERE action LIKE 'probe.%'")).scalars())
    assert actions == {"probe.first": 1, "probe.kept": 1, "probe.also_kept": 1}
    assert vault.audit.verify().ok


def test_a_database_error_in_a_job_fails_that_job_alone(vault: Vault) -> None:
    vault.cursor().execute("CREATE TABLE group_probe (name VARCHAR)")
    writer = GroupWriter(vault)

    def insert(name: str) -> Callable[[sa.Connection], str]:
        def work(conn: sa.Connection) -> str:
            conn.execute(sa.insert(probe).values(name=name))
            return name
        return work

    assert writer.run(insert("a")) == "a"
    with pytest.raises(sa.exc.DBAPIError):
        writer.run(lambda conn: conn.execute(sa.text("SELECT * FROM no_such_table")))
    assert writer.run(insert("b")) == "b"
    assert _rows(vault) == ["a", "b"]


def test_a_job_failing_after_adding_an_appointment_is_undone_alone(vault: Vault) -> None:
    """A new appointment is held for the commit, not inserted: a job that adds one and
    then fails has written all the same, so its group is rolled back and runs again
    without it."""
    start = datetime(2027, 1, 4, 17, tzinfo=UTC)
    writer = GroupWriter(vault)
    gate = threading.Event()
    results: dict[str, object] = {}

    def book(patient: str, *, fail: bool = False, wait: bool = False) -> None:
        claim = Claim(organization_id="org", provider_id=f"prv_{patient}", patient_id=patient,
                      start=start, end=start + timedelta(minutes=30), block_start=start,
                      block_end=start + timedelta(minutes=30), at=start)

        def work(conn: sa.Connection) -> str:
            if wait:
                gate.wait()
            vault.scheduling.appointments.add(
                conn, claim, patient_id=patient, provider_id=claim.provider_id,
                scheduled_at=start, ends_at=claim.end, duration_minutes=30,
                status="scheduled", block_start=start, block_end=claim.end)
            if fail:
                raise RuntimeError("failed after adding")
            return patient

        try:
            results[patient] = writer.run(work)
        except RuntimeError as exc:
            results[patient] = exc

    first = threading.Thread(target=book, args=("p0",), kwargs={"wait": True})
    first.start()
    while not writer._leading:
        time.sleep(0.001)
    others = [threading.Thread(target=book, args=(p,), kwargs={"fail": p == "p2"})
              for p in ("p1", "p2", "p3")]
    for queued, thread in enumerate(others, start=1):
        thread.start()
        while len(writer._waiting) < queued:
            time.sleep(0.001)
    gate.set()
    for thread in [first, *others]:
        thread.join()
    assert isinstance(results.pop("p2"), RuntimeError)
    assert results == {"p0": "p0", "p1": "p1", "p3": "p3"}
    with vault.engine.connect() as conn:
        assert sorted(conn.execute(sa.select(appointments.c.patient_id)).scalars()) == [
            "p0", "p1", "p3"]
