"""Reports and analytics from facts: a real PDF (read back with pypdf), CSV with one
row per record, JSON with the same data, and analytics equal to counts made here."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from pypdf import PdfReader

from app.services.assist.analytics import analytics
from app.services.assist.facts import PatientFacts, Period, ProviderTime, Visit
from app.services.reports.build import build
from app.services.reports.render import render

DAYS = [date(2026, 12, d) for d in (1, 2, 3)]
STATUSES = ["completed", "completed", "cancelled", "no_show", "scheduled", "completed"]
VISITS = [Visit(f"a{n}", f"pt{n % 3}", f"GH-2026-00000{n % 3}", "p1" if n % 2 else "p2",
                "Dr. John Smith" if n % 2 else "Dr. Sarah Jones", "Cardiology",
                datetime(2026, 12, 1 + n % 3, 17, 0, tzinfo=UTC), DAYS[n % 3], "09:00", 30,
                status, "consultation", f"CONF-2026-{n:03d}")
          for n, status in enumerate(STATUSES)]
PROVIDERS = [ProviderTime("p1", "Dr. John Smith", "Cardiology", dict.fromkeys(DAYS, 480)),
             ProviderTime("p2", "Dr. Sarah Jones", "Cardiology", dict.fromkeys(DAYS, 240))]
PATIENTS = {f"pt{n}": PatientFacts(f"pt{n}", f"GH-2026-00000{n}", "female" if n else "male",
                                   date(1950 + 20 * n, 6, 1), n != 1,
                                   date(2026, 12, 1) if n else date(2025, 1, 5))
            for n in range(3)}
PERIOD = Period("custom", date(2026, 12, 1), date(2026, 12, 3))


def test_analytics_match_a_count_by_hand() -> None:
    got = analytics(PERIOD, VISITS, PROVIDERS, PATIENTS,
                    {"consultation": 100.0}).wire()["metrics"]
    appointments = got["appointments"]
    assert appointments["total"] == len(STATUSES)
    assert appointments["completed"] == STATUSES.count("completed")
    assert appointments["noShow"] == 1 and appointments["cancelled"] == 1
    assert appointments["completionRate"] == round(100 * 3 / 6, 1)
    kept = [v for v in VISITS if v.status != "cancelled"]
    assert got["patients"]["total"] == len({v.patient_id for v in kept})
    assert got["patients"]["new"] == 2  # pt1 and pt2 first came in December
    assert got["providers"]["utilizationRate"] == round(100 * 30 * len(kept) / (720 * 3), 1)
    assert got["providers"]["averageAppointmentsPerDay"] == round(len(kept) / 3, 1)
    # completed: a0 (pt0 insured), a1 (pt1 self-pay), a5 (pt2 insured)
    assert got["revenue"] == {"total": 300.0, "insurance": 200.0, "selfPay": 100.0}
    assert "revenue" not in analytics(PERIOD, VISITS, PROVIDERS, PATIENTS,
                                      None).wire()["metrics"]


def _report(kind: str) -> object:
    return build(kind, organization="General Hospital", period=PERIOD, visits=VISITS,
                 providers=PROVIDERS, patients=PATIENTS)


def test_pdf_is_a_real_pdf_with_the_table() -> None:
    raw = render(_report("appointment_summary"), "pdf")
    reader = PdfReader(io.BytesIO(raw))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Appointment summary" in text and "General Hospital" in text
    for visit in VISITS:
        assert visit.confirmation_number in text
    assert "Appointments by status" in text
    assert reader.metadata is not None and reader.metadata.title == "Appointment summary"


def test_csv_has_one_row_per_record_and_json_the_same_data() -> None:
    for kind, expected in (("appointment_summary", len(VISITS)),
                           ("provider_utilization", len(PROVIDERS)),
                           ("patient_demographics", 3)):
        report = _report(kind)
        rows = list(csv.DictReader(io.StringIO(render(report, "csv").decode())))
        assert len(rows) == expected, kind
        body = json.loads(render(report, "json"))
        assert len(body["records"]) == expected
        assert [str(v) if v is not None else "" for v in body["records"][0].values()] == list(
            rows[0].values())
    smith = next(r for r in csv.DictReader(io.StringIO(render(
        _report("provider_utilization"), "csv").decode())) if r["provider"] == "Dr. John Smith")
    kept = [v for v in VISITS if v.provider_id == "p1" and v.status != "cancelled"]
    assert int(smith["bookedMinutes"]) == 30 * len(kept)
    assert float(smith["utilizationRate"]) == round(100 * 30 * len(kept) / 1440, 1)


def test_filters_narrow_to_a_provider_or_a_department() -> None:
    def count(kind: str, **filters: str) -> int:
        report = build(kind, organization="General Hospital", period=PERIOD, visits=VISITS,
                       providers=PROVIDERS, patients=PATIENTS, **filters)
        return len(report.rows)

    assert count("appointment_summary", provider_id="p1") == sum(
        v.provider_id == "p1" for v in VISITS)
    assert count("provider_utilization", provider_id="p2") == 1
    assert count("appointment_summary", department="cardiology") == len(VISITS)  # any case
    assert count("appointment_summary", department="Oncology") == 0
    assert count("provider_utilization", department="Oncology") == 0
