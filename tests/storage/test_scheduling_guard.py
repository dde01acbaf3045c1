"""The free-time check on a real vault: claims asked for together (`guard.precheck`, one
statement for a group) get what an independent pass over the rows gives, claim by claim;
a claim asked alone gets the same; and a prechecked claim is refused when its group took
an overlapping one before it, since the precheck saw the state the transaction began
with."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.repos.scheduling import guard
from storage.repos.scheduling.guard import Claim, Taken
from storage.schema import appointment_holds, appointments, clinic_patients, closures
from storage.vault import Vault

ORG = "org_guard"
MONDAY = datetime(2027, 1, 4, 16, tzinfo=UTC)
NOW = MONDAY - timedelta(days=1)
SLOT = timedelta(minutes=30)


def _start(rng: random.Random) -> datetime:
    return MONDAY + timedelta(days=rng.randrange(2), minutes=30 * rng.randrange(16))


def _fill(vault: Vault, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Appointments (some cancelled), holds (some expired or released), clinic and
    provider closures and patients; the rows written."""
    made: dict[str, list[dict[str, Any]]] = {"appointments": [], "holds": [], "closures": []}
    for n in range(150):
        start = _start(rng)
        made["appointments"].append({
            "id": f"apt_{n}", "organization_id": ORG, "patient_id": f"pat_{rng.randrange(12)}",
            "provider_id": f"prv_{rng.randrange(6)}", "scheduled_at": start,
            "ends_at": start + SLOT, "duration_minutes": 30,
            "status": rng.choice(["scheduled", "confirmed", "completed", "cancelled",
                                  "no_show"]),
            "block_start": start - timedelta(minutes=10), "block_end": start + SLOT,
            "created_at": NOW})
    for n in range(20):
        start = _start(rng)
        made["holds"].append({
            "id": f"hld_{n}", "organization_id": ORG, "patient_id": f"pat_{rng.randrange(12)}",
            "provider_id": f"prv_{rng.randrange(6)}", "scheduled_at": start,
            "duration_minutes": 30, "block_start": start, "block_end": start + SLOT,
            "expires_at": NOW + timedelta(minutes=rng.choice([-5, 5])),
            "released_at": rng.choice([None, None, NOW]), "created_at": NOW})
    for n, provider in enumerate([None, "prv_1", "prv_2"]):
        start = _start(rng)
        made["closures"].append({"id": f"clo_{n}", "organization_id": ORG,
                                 "provider_id": provider, "starts_at": start,
                                 "ends_at": start + timedelta(hours=1), "created_at": NOW})
    with vault.write() as conn:
        conn.execute(sa.insert(appointments), made["appointments"])
        conn.execute(sa.insert(appointment_holds), made["holds"])
        conn.execute(sa.insert(closures), made["closures"])
        conn.execute(sa.insert(clinic_patients), [
            {"id": f"pat_{n}", "organization_id": ORG, "mrn": f"MRN{n}", "name": f"P {n}",
             "is_active": True, "created_at": NOW} for n in range(10)])  # 10, 11 unknown
    return made


def _expected(made: dict[str, list[dict[str, Any]]], claim: Claim) -> Taken:
    """What stands in the way, from the rows as written (the issue's rule)."""
    def ours(row: dict[str, Any]) -> bool:
        return row["provider_id"] == claim.provider_id or row["patient_id"] == claim.patient_id

    def overlapping(row: dict[str, Any]) -> bool:
        return row["block_start"] < claim.block_end and claim.block_start < row["block_end"]

    return Taken(
        booked=any(ours(r) and overlapping(r) and r["status"] not in ("cancelled", "no_show")
                   for r in made["appointments"]),
        held=any(ours(r) and overlapping(r) and r["released_at"] is None
                 and r["expires_at"] > claim.at for r in made["holds"]),
        closed=any(r["provider_id"] in (None, claim.provider_id)
                   and r["starts_at"] < claim.end and claim.start < r["ends_at"]
                   for r in made["closures"]),
        no_patient=int(claim.patient_id.split("_")[1]) >= 10)


def _claim(rng: random.Random) -> Claim:
    start = _start(rng)
    return Claim(organization_id=ORG, provider_id=f"prv_{rng.randrange(6)}",
                 patient_id=f"pat_{rng.randrange(12)}", start=start, end=start + SLOT,
                 block_start=start - timedelta(minutes=10), block_end=start + SLOT, at=NOW)


def test_claims_asked_together_or_alone_get_what_the_rows_say(vault: Vault) -> None:
    rng = random.Random(14)
    made = _fill(vault, rng)
    claims = [_claim(rng) for _ in range(60)]
    expected = [_expected(made, c) for c in claims]
    assert {e.free for e in expected} == {True, False}  # both kinds are asked for
    assert all(any(getattr(e, kind) for e in expected)
               for kind in ("booked", "held", "closed", "no_patient"))
    with vault.write() as conn:  # together; nothing taken in between
        guard.precheck(conn, claims)
        together = [conn.info[guard.PRECHECKED][1][c] for c in claims]
    assert together == expected
    for claim, want in zip(claims[:10], expected, strict=False):
        with vault.write() as conn:
            assert guard.taken(conn, claim) == want


def test_a_prechecked_claim_is_refused_after_its_group_took_an_overlapping_one(
        vault: Vault) -> None:
    with vault.write() as conn:
        conn.execute(sa.insert(clinic_patients), [
            {"id": f"pat_{n}", "organization_id": ORG, "mrn": f"MRN{n}", "name": f"P {n}",
             "is_active": True, "created_at": NOW} for n in range(3)])
    start = MONDAY

    def claim(provider: str, patient: str, minutes: int) -> Claim:
        at = start + timedelta(minutes=minutes)
        return Claim(organization_id=ORG, provider_id=provider, patient_id=patient,
                     start=at, end=at + SLOT, block_start=at, block_end=at + SLOT, at=NOW)

    first = claim("prv_a", "pat_0", 0)
    same_provider = claim("prv_a", "pat_1", 15)
    same_patient = claim("prv_b", "pat_0", 0)
    after = claim("prv_a", "pat_2", 30)  # touches the first, does not overlap it
    with vault.write() as conn:
        guard.precheck(conn, [first, same_provider, same_patient, after])
        assert guard.taken(conn, first).free
        assert guard.taken(conn, same_provider).booked
        assert guard.taken(conn, same_patient).booked
        assert guard.taken(conn, after).free


def test_a_new_appointment_held_for_the_commit_takes_its_time_at_once(vault: Vault) -> None:
    """New appointments are inserted as the transaction commits; a claim asked alone
    before then (not prechecked) still finds their time taken, and after the commit the
    row is there."""
    with vault.write() as conn:
        conn.execute(sa.insert(clinic_patients), [
            {"id": f"pat_{n}", "organization_id": ORG, "mrn": f"MRN{n}", "name": f"P {n}",
             "is_active": True, "created_at": NOW} for n in range(2)])
    first = Claim(organization_id=ORG, provider_id="prv_a", patient_id="pat_0",
                  start=MONDAY, end=MONDAY + SLOT, block_start=MONDAY,
                  block_end=MONDAY + SLOT, at=NOW)
    second = Claim(organization_id=ORG, provider_id="prv_a", patient_id="pat_1",
                   start=MONDAY, end=MONDAY + SLOT, block_start=MONDAY,
                   block_end=MONDAY + SLOT, at=NOW)
    with vault.write() as conn:
        assert guard.taken(conn, first).free
        vault.scheduling.appointments.add(
            conn, first, patient_id="pat_0", provider_id="prv_a", scheduled_at=MONDAY,
            ends_at=MONDAY + SLOT, duration_minutes=30, status="scheduled",
            block_start=MONDAY, block_end=MONDAY + SLOT)
        assert conn.execute(sa.select(sa.func.count()).select_from(appointments)).scalar() == 0
        assert guard.taken(conn, second).booked
    with vault.write() as conn:
        assert conn.execute(sa.select(appointments.c.patient_id)).scalars().all() == ["pat_0"]
        assert guard.taken(conn, second).booked  # now from the row itself
