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


def _verify(home: Path, slug: str) -> tuple[int, str]:
    done = _run(home, "audit", "verify", "--org", slug)
    return done.returncode, done.stderr


def test_audit_verify_sees_the_newest_rows_deleted_in_the_vault(users_vault_template: Path,
                                                                tmp_path: Path) -> None:
    home = tmp_path / "vault"
    shutil.copytree(users_vault_template, home)
    created = _run(home, "org", "create", "south-clinic", "--name", "South Clinic",
                   "--timezone", "Europe/Berlin", "--json")
    assert created.returncode == 0, created.stderr
    org_id = json.loads(created.stdout)["organization"]["id"]
    for _ in range(3):
        _register_patient(home, org_id)
    assert _verify(home, "south-clinic") == (0, "")

    def behind_the_apps_back(sql: str) -> None:
        with Vault.open(home, passphrase=PASSPHRASE) as vault:
            vault.cursor().execute(sql, [org_id])

    # the two newest rows go: what is left is a perfect chain of two rows
    behind_the_apps_back("DELETE FROM audit_events WHERE chain = ? AND seq > 2")
    code, said = _verify(home, "south-clinic")
    assert code == 1
    assert "ends at position 2" in said and "records position 4" in said
    # the next event the app writes does not paper over the gap
    _register_patient(home, org_id)
    code, said = _verify(home, "south-clinic")
    assert code == 1 and "expected position 3, found 5" in said

    # a second organization: its head removed with its newest row, then edited
    west = _run(home, "org", "create", "west-clinic", "--name", "West Clinic",
                "--timezone", "UTC", "--json")
    west_id = json.loads(west.stdout)["organization"]["id"]
    for _ in range(2):
        _register_patient(home, west_id)
    with Vault.open(home, passphrase=PASSPHRASE) as vault:
        cur = vault.cursor()
        cur.execute("DELETE FROM audit_events WHERE chain = ? AND seq = 3", [west_id])
        cur.execute("DELETE FROM audit_heads WHERE chain = ?", [west_id])
    code, said = _verify(home, "west-clinic")
    assert code == 1 and "no head" in said
    _register_patient(home, west_id)  # the app finds no head: it says so for good
    code, said = _verify(home, "west-clinic")
    assert code == 1 and "head was missing when position 3 was appended" in said
    with Vault.open(home, passphrase=PASSPHRASE) as vault:  # a head forged to match
        vault.cursor().execute("UPDATE audit_heads SET broken_at = NULL WHERE chain = ?",
                               [west_id])
    code, said = _verify(home, "west-clinic")
    assert code == 1 and "seal does not verify" in said
