"""Group commit: the writes of several requests in one transaction of the vault's one
writer, committed once.

A commit of the encrypted vault writes and syncs its log, which costs more than a
booking's own statements; with one transaction per request every booking also waited
for every commit queued before it. A caller hands `run` its work, a function of the
writer's connection. Whoever finds no group under way leads: it takes the jobs waiting
(at most `LIMIT`), runs them one after another inside one `Vault.write()`, commits, and
gives every caller its own result or exception. Jobs that arrive meanwhile wait for the
next group, which the first of them leads.

A result is handed back only after the commit: what a caller answers is durable.

A job may name the claim it will take (`run(work, claim=...)`, a booking or move whose
slot is known before the writer) and the appointment it will change (`appointment=`):
the claims of a group are asked for in one statement when its transaction begins
(`guard.precheck`), and its appointments read in one (`appointments.prefetch`), rather
than one by one.

A job that fails without having written (a refusal: scheduling decides them before its
first write, `guard.taken`) leaves the others alone. A job that fails after writing, or
on a database error (which aborts DuckDB's transaction: it has no savepoints), rolls the
group back; it gets its exception and the other jobs run again in a new transaction. A
job must therefore depend only on what it reads on the connection and act on nothing
but it, returning what the caller needs (events to publish go out after `run` returns).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import sqlalchemy as sa

from storage.repos.scheduling.guard import Claim, precheck

if TYPE_CHECKING:
    from storage.vault import Vault

log = logging.getLogger(__name__)
T = TypeVar("T")
LIMIT = 64  # jobs in one transaction at most
WRITES = "group_writes"  # on the connection's info: statements run that may have written


@dataclass(eq=False)
class _Job(Generic[T]):
    work: Callable[[sa.Connection], T]
    claim: Claim | None = None
    appointment: tuple[str, str] | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    finished: bool = False
    result: Any = None
    error: BaseException | None = None


class _Tainted(Exception):  # noqa: N818 (not an error of its own: a job's, carried out)
    """A job failed after writing: the group's transaction cannot commit."""

    def __init__(self, job: _Job[Any], error: BaseException) -> None:
        super().__init__(str(error))
        self.job, self.error = job, error


def _count_write(conn: sa.Connection, _cursor: Any, _statement: str, _parameters: Any,
                 context: Any, _many: bool) -> None:
    if context is None or context.isinsert or context.isupdate or context.isdelete or \
            context.is_text or context.compiled is None:  # SQL text may write: counted
        conn.info[WRITES] = conn.info.get(WRITES, 0) + 1


class GroupWriter:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._lock = threading.Lock()
        self._waiting: list[_Job[Any]] = []
        self._leading = False
        sa.event.listen(vault.engine, "after_cursor_execute", _count_write)

    def run(self, work: Callable[[sa.Connection], T], *, claim: Claim | None = None,
            appointment: tuple[str, str] | None = None) -> T:
        """`work(conn)` inside a shared writer transaction; its result once committed.
        `claim`: the time a booking or move will take (checked with the group's others);
        `appointment`: the (organization, id) of the appointment it will change (read
        with the group's others)."""
        job: _Job[T] = _Job(work, claim, appointment)
        with self._lock:
            self._waiting.append(job)
            job.lead = not self._leading
            self._leading = True
        while not job.finished:
            if job.lead:
                self._lead()
            else:
                job.wake.wait()
                job.wake.clear()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def _lead(self) -> None:
        """Run one group (the leader's job is the first waiting), then hand the lead on."""
        with self._lock:
            group, self._waiting = self._waiting[:LIMIT], self._waiting[LIMIT:]
        try:
            self._commit(group)
        except BaseException as exc:  # an interrupt: no caller may wait for ever
            for job in group:
                if not job.finished:
                    job.error, job.finished = exc, True
            raise
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].lead = True
                    self._waiting[0].wake.set()
                else:
                    self._leading = False
            for job in group:
                job.lead = False
                job.wake.set()

    def _commit(self, group: list[_Job[Any]]) -> None:
        pending = group
        while pending:
            for job in pending:
                job.result = job.error = None
            try:
                with self._vault.write() as conn:
                    claims = [job.claim for job in pending if job.claim is not None]
                    if len(claims) > 1:  # one claim: its own check is the same statement
                        precheck(conn, claims)
                    changed = [job.appointment for job in pending if job.appointment]
                    if len(changed) > 1:
                        self._vault.scheduling.appointments.prefetch(conn, changed)
                    for job in pending:
                        self._attempt(conn, job)
            except _Tainted as tainted:
                tainted.job.error, tainted.job.finished = tainted.error, True
                pending = [j for j in pending if j is not tainted.job]
                continue
            except Exception as exc:  # the commit itself failed
                if len(pending) == 1:
                    pending[0].error = exc
                else:  # each alone, so that one job cannot fail the others
                    # Correct but slower, so say so: a failing group check once hid a bug.
                    # The class name only; an exception's text may hold patient data.
                    log.warning("group commit of %d jobs failed (%s); running each alone",
                                len(pending), type(exc).__name__)
                    for job in pending:
                        self._commit([job])
                    return
            for job in pending:
                job.finished = True
            return

    def _attempt(self, conn: sa.Connection, job: _Job[Any]) -> None:
        before = self._written(conn)
        try:
            job.result = job.work(conn)
        except Exception as exc:
            if isinstance(exc, sa.exc.SQLAlchemyError) or self._written(conn) != before:
                raise _Tainted(job, exc) from exc
            job.error = exc

    def _written(self, conn: sa.Connection) -> int:
        """Writes so far: statements run that may have written, and the audit rows and
        new appointments held for the commit."""
        return int(conn.info.get(WRITES, 0)) + self._vault.audit.pending(conn) + \
            self._vault.scheduling.appointments.pending(conn)
