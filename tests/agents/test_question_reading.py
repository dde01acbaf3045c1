"""Reading a question: time as asked, lay words to measures the person holds, what is
missing, out-of-scope requests, KDIGO categories."""

from __future__ import annotations

from datetime import date

import pytest

from agents.clinical import albuminuria_stage, gfr_stage
from agents.holdings import Holdings
from agents.question import parse
from storage.repos.catalogue import CodeEntry

TODAY = date(2026, 12, 1)


def held(*codes: tuple[str, str]) -> Holdings:
    return Holdings(tuple(CodeEntry(c, None, (d,), "laboratory", 3, 3, date(2015, 1, 1),
                                    date(2021, 5, 2)) for c, d in codes))


@pytest.mark.parametrize(("text", "since", "until", "relative"), [
    ("How was my blood pressure from 2016 to 2021?", date(2016, 1, 1), date(2021, 12, 31), False),
    ("my weight between March 2018 and June 2019", date(2018, 3, 1), date(2019, 6, 30), False),
    ("What was my glucose in 2019?", date(2019, 1, 1), date(2019, 12, 31), False),
    ("LDL since March 2020", date(2020, 3, 1), None, False),
    ("my A1c before 2018", None, date(2017, 12, 31), False),
    ("blood pressure over the last 3 years", date(2023, 12, 2), None, True),
    ("my LDL between 2015 and now", date(2015, 1, 1), None, False),
    ("weight from March 2019 until today", date(2019, 3, 1), None, False),
    ("my glucose since last March", date(2026, 3, 1), None, True),
    ("my glucose since November", date(2026, 11, 1), None, True),
    ("my glucose since last December", date(2025, 12, 1), None, True),
])
def test_time_as_asked(text: str, since: date | None, until: date | None,
                       relative: bool) -> None:
    q = parse(text, today=TODAY)
    assert (q.window.since, q.window.until, q.relative) == (since, until, relative)


@pytest.mark.parametrize(("text", "pivot"), [
    ("Compare my blood pressure before and after 2018", date(2018, 1, 1)),
    ("my weight before vs after March 2020", date(2020, 3, 1)),
])
def test_before_and_after_a_date_sets_two_sides_around_it(text: str, pivot: date) -> None:
    compare = parse(text, today=TODAY).compare
    assert compare is not None
    before, after = compare
    assert (before.window.since, before.window.until) == (None, date.fromordinal(
        pivot.toordinal() - 1))
    assert (after.window.since, after.window.until) == (pivot, None)


def test_lay_words_resolve_to_the_codes_the_person_has() -> None:
    h = held(("62238-1", "eGFR CKD-EPI"), ("2160-0", "Creatinine [Mass/volume] in Serum"))
    q = parse("How are my kidneys doing?", holdings=h, today=TODAY)
    assert q.topics == ("kidney",) and set(q.codes) == {"62238-1", "2160-0"}
    assert q.missing == ()  # the topic is answered from what is held


def test_a_measure_not_on_record_is_missing() -> None:
    q = parse("What is my vitamin D level?", holdings=held(("2093-3", "Cholesterol")),
              today=TODAY)
    assert q.items == () and q.missing == ("Vitamin D (25-hydroxy)",)


def test_a_typo_still_finds_the_persons_test() -> None:
    q = parse("What is my ferritn?", holdings=held(("2276-4", "Ferritin [Mass/volume]")),
              today=TODAY)
    assert q.codes == ("2276-4",)


@pytest.mark.parametrize("text", [
    "How much insulin should I take tonight?", "Can I double my metformin dose?",
    "I have a rash on my arm, what could it be?", "What's wrong with me?",
    "My chest hurts, what is it?", "What could be causing my headaches?",
    "Why am I always tired?", "Is it okay to stop my statin?",
])
def test_out_of_scope(text: str) -> None:
    assert "can't help" in (parse(text).out_of_scope or "")


@pytest.mark.parametrize("text", ["What is my latest HbA1c?", "Did metformin lower my A1c?",
                                  "How often was my glucose above 180?", "Why is my LDL high?",
                                  "What caused my eGFR to drop?", "Is my pain score improving?",
                                  "How many steps do I take a day on average?",
                                  "How much metformin do I take?"])  # what is on record
def test_in_scope(text: str) -> None:
    assert parse(text).out_of_scope is None


def test_thresholds_and_extremes() -> None:
    q = parse("How many times was my systolic above 180?")
    assert q.threshold == (">", 180.0) and "count" in q.intents
    assert "extreme_low" in parse("What was my lowest blood sugar?").intents


@pytest.mark.parametrize(("egfr", "stage"), [(95, "G1"), (90, "G1"), (89.9, "G2"), (60, "G2"),
                                             (45, "G3a"), (37.2, "G3b"), (29, "G4"),
                                             (14.9, "G5")])
def test_kdigo_gfr_categories(egfr: float, stage: str) -> None:
    assert gfr_stage(egfr).stage == stage  # KDIGO 2012 Table 5 boundaries


def test_kdigo_albuminuria_categories() -> None:
    assert [albuminuria_stage(v).stage for v in (10, 30, 299, 300, 900)] == [
        "A1", "A2", "A2", "A3", "A3"]


def test_the_specimen_word_decides_between_urine_and_serum_albumin() -> None:
    h = held(("1751-7", "Albumin [Mass/volume] in Serum or Plasma"),
             ("14959-1", "Microalbumin/Creatinine [Mass Ratio] in Urine"))
    for text in ("What is my urine albumin?", "Is there albumin in my urine?",
                 "my albumin/creatinine ratio"):
        assert parse(text, holdings=h, today=TODAY).codes == ("14959-1",), text
    assert parse("What is my albumin?", holdings=h, today=TODAY).codes == ("1751-7",)
    serum_only = held(("1751-7", "Albumin [Mass/volume] in Serum or Plasma"))
    q = parse("What is my urine albumin?", holdings=serum_only, today=TODAY)
    assert q.codes == () and "Urine albumin" in q.missing


@pytest.mark.parametrize(("text", "unit"), [
    ("What is my weight in pounds?", "[lb_av]"), ("How heavy am I in stone?", "[stone_av]"),
    ("my glucose in mmol/L", "mmol/L"), ("How tall am I in feet?", "[ft_i]"),
    ("my temperature in Fahrenheit", "[degF]"), ("What is my weight?", None),
    ("my creatinine in µmol/L", "umol/L"), ("temperature in °C", "Cel"),
])
def test_the_unit_asked_for_is_read(text: str, unit: str | None) -> None:
    asked = parse(text, today=TODAY).unit
    assert (asked.ucum if asked else None) == unit


def test_values_are_written_in_the_unit_asked_for() -> None:
    from agents.asked_units import asked_unit, stored, written

    pounds, stone, mmol = asked_unit(" pounds "), asked_unit(" stone "), asked_unit(" mmol/l ")
    assert written(80.0, "kg", "29463-7", pounds) == "176.37 lb (80 kg)"  # 80 / 0.45359237
    assert written(80.0, "kg", "29463-7", stone) == "12 st 8.37 lb (80 kg)"
    assert written(90.08, "mg/dL", "2339-0", mmol) == "5 mmol/L (90.08 mg/dL)"  # 18.016 mg/dL
    assert written(80.0, "kg", "29463-7", mmol) == "80 kg (it cannot be given in mmol/L)"
    assert round(stored(176.37, "kg", "29463-7", pounds), 2) == 80.0


@pytest.mark.parametrize("text", ["When did I die?", "Is the patient deceased?",
                                  "Is this person still alive?", "Did I pass away?"])
def test_death_questions_ask_for_the_vital_status(text: str) -> None:
    q = parse(text, today=TODAY)
    assert q.topics == ("death",) and "presence" in q.intents


def test_a_test_asked_of_urine_is_the_persons_urine_test_or_missing() -> None:
    h = held(("2339-0", "Glucose [Mass/volume] in Blood"),
             ("5792-7", "Glucose [Mass/volume] in Urine by Test strip"))
    for text in ("What is my urine glucose?", "Is there glucose in my urine?"):
        assert parse(text, holdings=h, today=TODAY).codes == ("5792-7",), text
    assert parse("What is my glucose?", holdings=h, today=TODAY).codes == ("2339-0",)
    q = parse("my urine creatinine and my glucose", holdings=h, today=TODAY)
    assert q.codes == ("2339-0",) and q.missing == ("urine creatinine",)


@pytest.mark.parametrize(("text", "threshold"), [
    ("readings above 180", (">", 180.0)), ("at least 180", (">=", 180.0)),
    ("180 or higher", (">=", 180.0)), ("at or above 180", (">=", 180.0)),
    ("below 70", ("<", 70.0)), ("70 or lower", ("<=", 70.0)), ("did it reach 200", (">=", 200.0)),
])
def test_a_threshold_says_whether_the_limit_counts(text: str, threshold: tuple) -> None:
    assert parse(text, today=TODAY).threshold == threshold


def test_imaging_is_said_to_be_not_imported_with_any_entry_the_records_list() -> None:
    assert parse("What did my brain MRI show?", holdings=held(), today=TODAY).not_kept == (
        "MRI",)
    xr = Holdings((CodeEntry("36643-5", None, ("XR Chest 2 Views",), "laboratory", 1, 0,
                             date(2015, 2, 25), date(2015, 2, 25)),))
    q = parse("What did my chest x-ray show?", holdings=xr, today=TODAY)
    assert q.not_kept == ("XR Chest 2 Views on 2015-02-25",) and q.codes == ()
