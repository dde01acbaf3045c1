"""Patients of an organization, their caregivers, and records uploaded for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Request, UploadFile
from starlette.responses import JSONResponse

from app.api.deps import Ctx, api_router
from app.api.envelopes import ok
from app.api.errors import ApiError
from app.api.permits import permit
from app.api.routes.clinic_params import ItemId, Limit, Page, Search
from app.api.schemas import clinic as s
from app.api.schemas.common import CLINIC_ERRORS, ClinicEnvelope
from app.api.schemas.health_data import ImportStarted
from app.services.clinic.access import Access

router = api_router(prefix="/api/v1/organizations/{organizationId}/patients",
                   tags=["clinic patients"], responses=CLINIC_ERRORS)

MAX_FILES = 100


@router.post("", status_code=201, response_model=s.PatientRegisteredOut)
def register_patient(body: s.PatientCreate, request: Request, ctx: Ctx,
                     access: Annotated[Access, permit("manage_patients")]) -> JSONResponse:
    """A patient with the next medical record number (portalAccess: a login too)."""
    return ok(request, ctx.clinic.patients.register(access, body).wire(), status_code=201)


@router.get("", response_model=s.PatientPageOut)
def list_patients(request: Request, ctx: Ctx,
                  access: Annotated[Access, permit("view_patient_info")],
                  search: Search = None, page: Page = 1, limit: Limit = 20) -> JSONResponse:
    found = ctx.clinic.patients.list(access, search=search, page=page, limit=limit)
    return ok(request, found.wire())


@router.get("/{patientId}", response_model=s.PatientOut)
def get_patient(patientId: ItemId, request: Request, ctx: Ctx,  # noqa: N803
                access: Annotated[Access, permit("view_patient_info")]) -> JSONResponse:
    return ok(request, ctx.clinic.patients.get(access, patientId).wire())


@router.put("/{patientId}", response_model=s.PatientOut)
def update_patient(patientId: ItemId, body: s.PatientUpdate, request: Request,  # noqa: N803
                   ctx: Ctx,
                   access: Annotated[Access, permit("manage_patients")]) -> JSONResponse:
    return ok(request, ctx.clinic.patients.update(access, patientId, body).wire())


@router.post("/{patientId}/caregivers", status_code=201, response_model=s.CaregiverAddedOut)
def add_caregiver(patientId: ItemId, body: s.CaregiverCreate, request: Request,  # noqa: N803
                  ctx: Ctx,
                  access: Annotated[Access, permit("manage_patients")]) -> JSONResponse:
    """An authorized caregiver; outside its dates the authorization grants nothing."""
    added = ctx.clinic.caregivers.add(access, patientId, body)
    return ok(request, added.wire(), status_code=201)


@router.get("/{patientId}/caregivers", response_model=s.CaregiversOut)
def list_caregivers(patientId: ItemId, request: Request, ctx: Ctx,  # noqa: N803
                    access: Annotated[Access, permit("view_patient_info")]) -> JSONResponse:
    return ok(request, ctx.clinic.caregivers.list(access, patientId).wire())


@router.post("/{patientId}/records", status_code=202,
             response_model=ClinicEnvelope[ImportStarted])
def upload_records(patientId: ItemId, request: Request, ctx: Ctx,  # noqa: N803
                   access: Annotated[Access, permit("manage_patients")],
                   file: list[UploadFile] = File(description="health record files")
                   ) -> JSONResponse:
    """Import files as this patient's records (this organization's only); poll the job
    at /v1/health-data/import/{import_id} as the vault owner."""
    if not file or len(file) > MAX_FILES or any(not f.filename for f in file):
        raise ApiError(400, "VALIDATION_ERROR", f"send 1 to {MAX_FILES} `file` uploads",
                       [{"field": "file", "message": "1 to 100 named file parts"}])
    total = sum(f.size or 0 for f in file)
    if total > ctx.settings.max_import_bytes:
        raise ApiError(400, "VALIDATION_ERROR", "the upload is larger than this vault accepts",
                       [{"field": "file", "message": f"{total} bytes"}])
    paths = request.app.state.uploads.save([(f.filename, f.file) for f in file])
    try:
        import_id = ctx.clinic.patients.import_records(access, patientId, paths,
                                                       delete_after=True)
    except BaseException:
        for path in paths:
            path.unlink(missing_ok=True)
        raise
    return ok(request, {"import_id": import_id, "status": "processing",
                        "files_received": len(paths)}, status_code=202)
