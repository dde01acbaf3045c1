"""POST /v1/health-data/import (multipart, several `file` parts) and its status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import PurePath

from fastapi import File, Path, Request, UploadFile
from starlette.responses import JSONResponse

from app.api.deps import Ctx, CurrentUser, ImportUser, api_router
from app.api.envelopes import ok
from app.api.errors import ApiError
from app.api.schemas.common import INSIGHT_ERRORS, Envelope
from app.api.schemas.health_data import ImportStarted, ImportStatus
from app.services.imports import IngestError  # the service's rejection, as it raises it

router = api_router(prefix="/v1/health-data", tags=["health data"], responses=INSIGHT_ERRORS)

BYTES_PER_SECOND = 20 * 1024 * 1024  # a rough ingest rate for estimated_completion
MAX_FILES = 100


@router.post("/import", status_code=202, response_model=Envelope[ImportStarted])
def start_import(request: Request, ctx: Ctx, user: ImportUser,
                 file: list[UploadFile] = File(description="one or more health record files "
                                               "(FHIR, Apple Health, C-CDA, Synthea CSV, ...)")
                 ) -> JSONResponse:
    """Save the uploaded files and import them in the background."""
    if not file or len(file) > MAX_FILES:
        raise ApiError(400, "VALIDATION_ERROR", f"send 1 to {MAX_FILES} `file` parts",
                       [{"field": "file", "message": f"{len(file)} files received"}])
    unnamed = [n for n, upload in enumerate(file) if not getattr(upload, "filename", None)]
    if unnamed:  # a plain form field, not a file part
        raise ApiError(400, "VALIDATION_ERROR", "every `file` part must be a file upload "
                       "with a filename", [{"field": f"file.{n}", "message": "not a file"}
                                           for n in unnamed])
    total = sum(upload.size or 0 for upload in file)
    if total > ctx.settings.max_import_bytes:
        raise ApiError(400, "VALIDATION_ERROR", "the upload is larger than this vault accepts",
                       [{"field": "file", "message": f"{total} bytes; at most "
                         f"{ctx.settings.max_import_bytes}"}])
    uploads = request.app.state.uploads
    paths = uploads.save([(upload.filename, upload.file) for upload in file])
    try:
        import_id = ctx.imports.start(paths, owner_id=user.owner_key, delete_after=True,
                                      actor_id=user.user_id)
    except IngestError as exc:  # rejected before any work (e.g. an unknown format)
        for path in paths:
            path.unlink(missing_ok=True)
        name = PurePath(exc.file).name
        raise ApiError(400, "VALIDATION_ERROR", f"{name}: {exc.position}: {exc.reason}",
                       {"file": name, "position": exc.position, "reason": exc.reason}) from None
    estimate = datetime.now(UTC) + timedelta(seconds=1 + total / BYTES_PER_SECOND)
    return ok(request, {"import_id": import_id, "status": "processing",
                        "files_received": len(paths),
                        "estimated_completion": estimate.isoformat()}, status_code=202)


@router.get("/import/{import_id}", response_model=Envelope[ImportStatus])
def import_status(request: Request, ctx: Ctx, user: CurrentUser,
                  import_id: str = Path(min_length=1, max_length=100)) -> JSONResponse:
    """The import's progress, then its summary (counts, date range, warnings, errors)."""
    status = ctx.imports.get(import_id, owner_id=user.owner_key)
    if status is None:
        raise ApiError(404, "NOT_FOUND", f"no import {import_id}")
    return ok(request, status.wire())
