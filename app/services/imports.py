"""Import jobs: plan the files, import each unit in its own transaction, report progress.

Jobs run one at a time on a single worker thread (one writer, as DuckDB prefers);
``get`` shows live progress while a job runs and the stored row afterwards, as a frozen
`ImportStatus` (app/services/import_views.py: the spec's ``GET /health-data/import/:id``
data plus progress, warnings, errors and files). A job is held in memory only while it
runs: once its row is final it is dropped, so a server that imports for months holds no
more than the job it is running.

A finished job says honestly how it went: ``completed`` (every file imported),
``completed_with_errors`` (some files imported; each failed one is in ``files`` with
its reason and in ``summary.errors``) or ``failed`` (nothing imported). Once it is
done, ``progress.records`` is the summary's ``total_records`` (what was added, after
de-duplication), not the count of records read on the way. Uploaded files given with
``delete_after`` are deleted when the job ends, however it ends.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.services.import_views import ImportStatus
from app.settings import Settings
from storage.errors import IngestError, error_kind
from storage.ingest.detect import Unit, plan
from storage.ingest.pipeline import Limits, import_unit
from storage.repos.imports import RECORD_TYPES
from storage.vault import Vault

log = logging.getLogger(__name__)
INTERNAL = "internal error: this file could not be imported; the vault is unchanged for it"


@dataclass
class _Job:
    import_id: str
    owner_id: str | None
    units: list[Unit]
    files_received: int
    delete_after: list[Path]
    status: str = "processing"
    records: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    summary: dict[str, Any] | None = None
    future: Future[None] | None = None
    cancelled: bool = False  # asked to stop: the file being read is undone, later ones skipped
    patient_id: str | None = None  # every record goes to this person (a clinic patient)

    @property
    def total_bytes(self) -> int:
        return sum(u.size for u in self.units)


def _outcome(files: list[dict[str, Any]]) -> str:
    done = sum(f["status"] == "completed" for f in files)
    if done and done == len(files):
        return "completed"
    return "completed_with_errors" if done else "failed"


class ImportCancelled(Exception):
    """Raised inside a unit's progress callback once its job was asked to stop; the
    pipeline then undoes that unit as it undoes a failed one."""


class ImportService:
    def __init__(self, vault: Vault, settings: Settings) -> None:
        self._vault = vault
        self._limits = Limits(max_bytes=settings.max_import_bytes)
        self._resources = {"memory_limit": settings.db_memory_limit,
                           "threads": settings.db_threads,
                           "allocator_flush": settings.db_import_allocator_flush}
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")

    def start(self, paths: list[Path], *, owner_id: str | None = None,
              delete_after: bool = False, patient_id: str | None = None,
              actor_id: str | None = None) -> str:
        """Import in the background. With `patient_id`, every record of the files is
        that person's (a clinic patient's), whoever the files name. With `actor_id` (an
        API user) the audit trail names who started it."""
        paths = [Path(p) for p in paths]
        units, warnings = plan(paths)
        job = _Job("imp_" + secrets.token_hex(8), owner_id, units, len(paths),
                   paths if delete_after else [], warnings=list(warnings),
                   patient_id=patient_id)
        job.files = [{"name": u.label, "format": u.format, "files": len(u.paths),
                      "size": u.size, "status": "pending", "error": None} for u in units]
        self._vault.imports.create(import_id=job.import_id, owner_id=owner_id, files=job.files,
                                   summary=self._summary(job))
        with self._lock:
            self._jobs[job.import_id] = job
        job.future = self._pool.submit(self._run, job)
        if actor_id is not None:
            self._vault.audit.record(action="import.start", user_id=actor_id,
                                     resource_type="import", resource_id=job.import_id,
                                     details={"files": len(paths)})
        return job.import_id

    def run(self, paths: list[Path], *, owner_id: str | None = None,
            patient_id: str | None = None) -> ImportStatus:
        """Import synchronously and return the finished job's status."""
        return self.wait(self.start(paths, owner_id=owner_id, patient_id=patient_id),
                         timeout=None, owner_id=owner_id)

    def wait(self, import_id: str, timeout: float | None, *,
             owner_id: str | None) -> ImportStatus:
        """The job's status once it has ended (TimeoutError after `timeout` seconds)."""
        with self._lock:
            job = self._jobs.get(import_id)
        if job is not None and job.future is not None:
            job.future.result(timeout=timeout)
        result = self.get(import_id, owner_id=owner_id)
        if result is None:
            raise KeyError(import_id)
        return result

    def get(self, import_id: str, *, owner_id: str | None) -> ImportStatus | None:
        with self._lock:
            job = self._jobs.get(import_id)
        if job is not None:
            if job.owner_id != owner_id:
                return None
            return self._status(job)
        row = self._vault.imports.get(import_id=import_id, owner_id=owner_id)
        if row is None:
            return None
        summary = row["summary"] or {}
        files = row["files"] or []
        received = summary.pop("files_received", sum(f.get("files", 1) for f in files))
        return ImportStatus.model_validate({
            "import_id": row["id"], "status": row["status"], "files_received": received,
            "progress": summary.pop("progress", {}), "summary": summary, "files": files})

    def cancel(self, import_id: str, *, owner_id: str | None) -> bool:
        """Ask a running job to stop at its next chunk; what it committed of the file being
        read is undone, files already finished stay. False when nothing is running."""
        with self._lock:
            job = self._jobs.get(import_id)
        if job is None or job.owner_id != owner_id or job.status != "processing":
            return False
        job.cancelled = True
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # --- the worker ------------------------------------------------------

    def _run(self, job: _Job) -> None:
        status = "failed"
        try:
            with self._vault.limit_resources(**self._resources):
                status = self._import(job)
        except Exception:  # the vault failed outside any one file: a job that says so
            # (never the message, which may quote records) rather than one left hanging
            job.errors.append({"file": "", "position": "", "reason": INTERNAL})
            raise
        finally:
            for path in job.delete_after:  # before the job says it has ended
                path.unlink(missing_ok=True)
            self._end(job, status)

    def _import(self, job: _Job) -> str:
        done_bytes = 0
        for unit, entry in zip(job.units, job.files, strict=True):
            def progress(records: int, read: int, base: int = job.records,
                         start: int = done_bytes) -> None:
                if job.cancelled:
                    raise ImportCancelled
                job.records, job.bytes = base + records, start + read
            if job.cancelled:
                entry["status"] = "cancelled"
                continue
            entry["status"] = "processing"
            base_records = job.records
            try:
                result = import_unit(self._vault, unit, import_id=job.import_id,
                                     owner_id=job.owner_id, limits=self._limits,
                                     on_progress=progress, patient_id=job.patient_id)
            except ImportCancelled:
                entry["status"] = "cancelled"
                job.records = base_records
            except IngestError as exc:
                entry.update(status="failed", error=f"{exc.position}: {exc.reason}")
                job.errors.append({"file": exc.file, "position": exc.position,
                                   "reason": exc.reason})
            except Exception as exc:  # a bug, not bad input: report it (never its message,
                # which may quote records) and keep going
                where = traceback.extract_tb(exc.__traceback__)[-1]
                log.error("import of a file failed: %s (%s) at %s:%s", type(exc).__name__,
                          error_kind(exc), where.filename, where.lineno)
                entry.update(status="failed", error=INTERNAL)
                job.errors.append({"file": unit.label, "position": "", "reason": INTERNAL})
            else:
                entry["status"] = "completed"
                job.warnings += [f"{unit.label}: {w}" for w in result.warnings]
            done_bytes += unit.size
            job.bytes = done_bytes
        self._vault.checkpoint()  # now, rather than when the vault closes
        job.summary = self._summary(job, final=True)
        job.records, job.bytes = job.summary["total_records"], job.total_bytes
        return "cancelled" if job.cancelled else _outcome(job.files)

    def _end(self, job: _Job, status: str) -> None:
        """Store the ended job's row and let the job go: `get` reads the row from then on.
        Should the vault refuse the row, the job stays in memory, where `get` finds it."""
        job.status = status
        summary = job.summary or self._summary(job)
        self._vault.imports.finish(import_id=job.import_id, status=status, files=job.files,
                                   summary={**summary, "progress": self._progress(job),
                                            "files_received": job.files_received})
        with self._lock:
            del self._jobs[job.import_id]

    def _progress(self, job: _Job) -> dict[str, int]:
        return {"records": job.records, "bytes": job.bytes, "total_bytes": job.total_bytes}

    def _summary(self, job: _Job, *, final: bool = False) -> dict[str, Any]:
        by_type, first, last = (self._vault.imports.added(import_id=job.import_id) if final
                                else (dict.fromkeys(RECORD_TYPES, 0), None, None))
        return {"total_records": sum(by_type.values()), "records_by_type": by_type,
                "date_range": {"start": first, "end": last},
                "import_duration_seconds": round(time.monotonic() - job.started, 3),
                "warnings": list(job.warnings), "errors": list(job.errors)}

    def _status(self, job: _Job) -> ImportStatus:
        """A snapshot of the running job (the worker goes on changing the job itself)."""
        return ImportStatus.model_validate({
            "import_id": job.import_id, "status": job.status,
            "files_received": job.files_received, "progress": self._progress(job),
            "summary": job.summary or self._summary(job), "files": list(job.files)})
