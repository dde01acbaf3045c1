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
from zoneinfo import ZoneInfo

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


def _run_queued(writer: GroupWriter, first: threading.Thread,
                others: list[threading.Thread], gate: threading.Event) -> None:
    """Start `first`, whose job waits for `gate` while it leads a group; queue `others`
    behind it in this order; then let the groups run, and wait for every thread. The
    others start once the first group has been taken from the queue, so none joins it."""
    first.start()
    while not writer._leading or writer._waiting:
        time.sleep(0.001)
    for queued, thread in enumerate(others, start=1):
        thread.start()
        while len(writer._waiting) < queued:
            time.sleep(0.001)
    gate.set()
    for thread in [first, *others]:
        thread.join()


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

    _run_queued(writer, threading.Thread(target=call, args=("first",), kwargs={"hold": True}),
                [threading.Thread(target=call, args=(name,), kwargs=kw) for name, kw in (
                    ("kept", {}), ("refused", {"refuse": True}),
                    ("broken", {"fail_after_write": True}), ("also_kept", {}))], release)

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

    _run_queued(writer, threading.Thread(target=book, args=("p0",), kwargs={"wait": True}),
                [threading.Thread(target=book, args=(p,), kwargs={"fail": p == "p2"})
                 for p in ("p1", "p2", "p3")], gate)
    assert isinstance(results.pop("p2"), RuntimeError)
    assert results == {"p0": "p0", "p1": "p1", "p3": "p3"}
    with vault.engine.connect() as conn:
        assert sorted(conn.execute(sa.select(appointments.c.patient_id)).scalars()) == [
            "p0", "p1", "p3"]


def test_a_groups_changes_are_one_update_at_its_commit_and_seen_before_it(
        vault: Vault) -> None:
    """Changes of appointments are held for the commit like new ones: a later job of the
    group reads what an earlier one changed, the group writes them in one UPDATE, a job
    that fails after its change is undone alone, and times keep their instant whatever
    zone they came in."""
    start = datetime(2027, 1, 4, 17, tzinfo=UTC)
    with vault.engine.begin() as conn:
        conn.execute(sa.insert(appointments), [
            {"id": name, "organization_id": "org", "patient_id": f"pat_{name}",
             "provider_id": "prv", "scheduled_at": start + timedelta(hours=n),
             "duration_minutes": 30, "status": "scheduled", "location": {"room": n},
             "created_at": start}
            for n, name in enumerate(("apt_a", "apt_b", "apt_c"))])
    store = vault.scheduling.appointments
    moved = datetime(2027, 1, 5, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    writer = GroupWriter(vault)
    gate = threading.Event()
    seen: dict[str, object] = {}
    updates: list[str] = []

    @sa.event.listens_for(vault.engine, "before_cursor_execute")
    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE APPOINTMENTS"):
            updates.append(statement)

    def change(name: str, *, fail: bool = False, read: str | None = None,
               **values: object) -> Callable[[sa.Connection], None]:
        def work(conn: sa.Connection) -> None:
            if read is not None:
                seen[read] = (store.get(conn, organization_id="org", appointment_id=read)
                              or {}).get("status")
            store.update(conn, organization_id="org", appointment_id=name, **values)
            if fail:
                raise RuntimeError("failed after changing")
        return work

    def run(work: Callable[[sa.Connection], None]) -> None:
        try:
            writer.run(work)
        except RuntimeError as exc:
            seen["failed"] = str(exc)

    def lead(_conn: sa.Connection) -> None:
        gate.wait()

    _run_queued(writer, threading.Thread(target=run, args=(lead,)),
                [threading.Thread(target=run, args=(work,)) for work in (
                    change("apt_a", status="cancelled", cancel_reason="ill"),
                    change("apt_b", read="apt_a", scheduled_at=moved),
                    change("apt_c", fail=True, status="no_show"))], gate)
    sa.event.remove(vault.engine, "before_cursor_execute", count)

    assert seen == {"apt_a": "cancelled", "failed": "failed after changing"}
    # rolled back at apt_c before writing anything, then run again without it: one UPDATE
    assert len(updates) == 1
    with vault.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.select(appointments))}
    assert (rows["apt_a"].status, rows["apt_a"].cancel_reason) == ("cancelled", "ill")
    assert rows["apt_b"].scheduled_at == moved and rows["apt_b"].status == "scheduled"
    assert rows["apt_c"].status == "scheduled"
    assert [rows[n].location for n in ("apt_a", "apt_b", "apt_c")] == [
        {"room": 0}, {"room": 1}, {"room": 2}]
