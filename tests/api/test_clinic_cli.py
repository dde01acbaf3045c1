"""`healthinsight org create|list`, `import --org --patient`, and `audit verify`, run as
the installed command over a real vault; verify catches a row edited in the vault."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.commands.clinic import owner_principal
from app.context import AppContext
from app.services.clinic.inputs import PatientCreate
from storage.vault import Vault
from tests.api.conftest import OWNER_BUNDLE, api_settings
from tests.api.helpers import raw_counts
from tests.api.test_cli import _run
from tests.conftest import PASSPHRASE


def _register_patient(home: Path, org_id: str) -> tuple[str, str]:
    ctx = AppContext(api_settings(home), Vault.open(home, passphrase=PASSPHRASE))
    try:
        owner = owner_principal(ctx)
        assert owner is not None
        access = ctx.clinic.access.resolve(owner, org_id, "manage_patients")
        done = ctx.clinic.patients.register(access, PatientCreate(
            name="Alfreda Clinic", date_of_birth="1970-01-01"))
        return done.patient.id, done.patient.medical_record_number
    finally:
        ctx.close()


def test_org_import_and_audit_verify(users_vault_template: Path, tmp_path: Path,
                                     testdata: Path) -> None:
    home = tmp_path / "vault"
    shutil.copytree(users_vault_template, home)
    created = _run(home, "org", "create", "north-clinic", "--name", "North Clinic",
                   "--timezone", "Europe/Berlin", "--admin-email", "boss@north.example",
                   "--json")
    assert created.returncode == 0, created.stderr
    data = json.loads(created.stdout)
    org_id = data["organization"]["id"]
    assert data["adminUser"]["temporaryPassword"]
    bad = _run(home, "org", "create", "x", "--name", "X", "--timezone", "Nowhere/Here")
    assert bad.returncode == 1 and "IANA" in bad.stderr
    listed = _run(home, "org", "list", "--json")
    assert [o["slug"] for o in json.loads(listed.stdout)] == ["general-hospital",
                                                               "north-clinic"]

    patient_id, mrn = _register_patient(home, org_id)
    assert mrn.startswith("NC-")
    bundle = testdata / OWNER_BUNDLE
    imported = _run(home, "import", str(bundle), "--org", "north-clinic", "--patient", mrn,
                    "--json")
    assert imported.returncode == 0, imported.stderr
    unknown = _run(home, "import", str(bundle), "--org", "north-clinic", "--patient", "NC-0")
    assert unknown.returncode == 1 and "NC-0" in unknown.stderr

    with Vault.open(home, passphrase=PASSPHRASE) as vault:
        cur = vault.cursor()
        people = cur.execute("SELECT id, organization_id FROM patients").fetchall()
        owners = cur.execute("SELECT DISTINCT patient_id FROM medications").fetchall()
        medications = cur.execute("SELECT count(*) FROM medications").fetchone()
    assert people == [(patient_id, org_id)]  # no person made from the file's Patient
    assert owners == [(patient_id,)]
    assert medications == (raw_counts(bundle)["medications"],)

    verified = _run(home, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    count = int(verified.stdout.split()[0])
    assert count == 3  # organization.create, patient.create, patient.records.import
    assert _run(home, "audit", "verify", "--org", "north-clinic").returncode == 0

    with Vault.open(home, passphrase=PASSPHRASE) as vault:  # an edit behind the app's back
        cur = vault.cursor()
        row_id = cur.execute("SELECT id FROM audit_events WHERE action = 'patient.create'"
                             ).fetchone()[0]
        cur.execute("UPDATE audit_events SET user_id = 'usr_nobody' WHERE id = ?", [row_id])
    tampered = _run(home, "audit", "verify", "--org", "north-clinic")
    assert tampered.returncode == 1
    assert row_id in tampered.stderr and "does not match its hash" in tampered.stderr
