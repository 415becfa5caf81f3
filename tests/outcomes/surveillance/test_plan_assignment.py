"""Rule-based plan per tumor: active disease, then high risk, else standard; the most intensive drives."""

import datetime as dt

import pytest

from outcomes.surveillance.schedule import Assignment, TumorFacts, assign_plan, driving_tumor

RESECTED = dict(
    diagnosis_date=dt.date(2020, 1, 1),
    site_group="lung_thorax",
    primary_site="C34.1",
    definitive_resection_date=dt.date(2020, 2, 1),
    definitive_margin="R0",
    margins={"R0"},
    alk_status="positive",
    age_at_diagnosis=9.0,
    size_mm=30,
)


def facts(**changes):
    return TumorFacts(tumor_id=1, **{**RESECTED, **changes})


def test_a_completely_resected_small_lung_tumor_follows_the_standard_plan():
    assert assign_plan(facts()).plan_code == "standard"


@pytest.mark.parametrize(
    "changes, words",
    [
        (
            dict(definitive_resection_date=None, definitive_margin=None, margins=set()),
            "no definitive resection",
        ),
        (dict(has_event=True), "recurrence or metastasis"),
        (dict(on_systemic_therapy=True), "systemic therapy"),
        (dict(metastatic_at_diagnosis=True), "metastatic"),
    ],
)
def test_active_disease_rules(changes, words):
    assignment = assign_plan(facts(**changes))
    assert assignment.plan_code == "active_disease"
    assert words in assignment.reason


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(definitive_margin="R1", margins={"R1"}), "R1"),
        (dict(margins={"R2", "R0"}), "R2"),
        (dict(site_group="abdomen_pelvis", primary_site="C48.1"), "abdominal"),
        (dict(variant="epithelioid"), "epithelioid"),
        (dict(size_mm=81), "80 mm"),
        (dict(alk_status="negative", age_at_diagnosis=18.0), "ALK-negative adult"),
    ],
)
def test_high_risk_rules(changes, words):
    assignment = assign_plan(facts(**changes))
    assert assignment.plan_code == "high_risk"
    assert words in assignment.reason


def test_size_of_exactly_80_mm_and_alk_negative_child_stay_standard():
    assert assign_plan(facts(size_mm=80)).plan_code == "standard"
    assert assign_plan(facts(alk_status="negative", age_at_diagnosis=17.9)).plan_code == "standard"


def test_the_most_intensive_plan_among_a_patients_tumors_drives_the_schedule():
    calm, busy = facts(), TumorFacts(tumor_id=2, **{**RESECTED, "has_event": True})
    pairs = [(calm, assign_plan(calm)), (busy, assign_plan(busy))]
    tumor, assignment = driving_tumor(pairs, {"standard": 1, "high_risk": 2, "active_disease": 3})
    assert tumor.tumor_id == 2 and assignment == Assignment("active_disease", assignment.reason)
