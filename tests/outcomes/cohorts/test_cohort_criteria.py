"""Cohort criteria: each one filters the tumors it names, combinations intersect, attrition adds up,
and bad input is a 400 that names the field."""

import pytest
from rest_framework.exceptions import ValidationError

from outcomes.cohorts.criteria import criteria_fingerprint, validate_criteria
from outcomes.cohorts.selectors import cohort_preview, cohort_tumors
from tests.conftest import client_for
from tests.outcomes.cohorts.dataset import build_registry, letters

pytestmark = pytest.mark.django_db


@pytest.fixture
def tumors(db):
    return build_registry()


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ({}, {"a", "b", "c", "d"}),
        ({"diagnosis_date_from": "2014-01-01", "diagnosis_date_to": "2020-12-31"}, {"a", "d"}),
        ({"age_at_diagnosis_max": 17}, {"a"}),
        ({"age_at_diagnosis_min": 40}, {"b", "c"}),
        (
            {"age_at_diagnosis_min": 51, "age_at_diagnosis_max": 51},
            {"c"},
        ),  # birthday not yet reached at diagnosis
        ({"age_at_diagnosis_min": 18, "age_at_diagnosis_max": 18}, {"d"}),
        ({"sex": [2]}, {"a", "d"}),
        ({"sex": [1, 9]}, {"b", "c"}),
        ({"site_group": ["abdomen_pelvis"]}, {"a"}),
        ({"site_group": ["lung_thorax", "trunk_extremities"]}, {"b", "d"}),
        ({"topography_prefix": ["C34"]}, {"b"}),
        ({"topography_prefix": ["C0"]}, {"c"}),
        ({"topography_prefix": ["C48.1", "C49"]}, {"a", "d"}),
        ({"variant": ["epithelioid"]}, {"b"}),
        ({"size_mm_min": 50, "size_mm_max": 100}, {"a"}),
        ({"size_mm_min": 100}, {"b"}),
        ({"metastatic_at_diagnosis": True}, {"b"}),
        ({"metastatic_at_diagnosis": False}, {"a", "c", "d"}),
        ({"first_resection_margin": ["R1"]}, {"a"}),
        ({"first_resection_margin": ["R2"]}, {"c"}),
        ({"first_resection_margin": ["none"]}, {"b", "d"}),
        ({"definitive_margin": ["R0"]}, {"c"}),
        ({"definitive_margin": ["R1"]}, {"a"}),
        ({"definitive_margin": ["none"]}, {"b", "d"}),
        ({"alk_status": ["positive"]}, {"a"}),
        ({"alk_status": ["negative"]}, {"b", "d"}),
        ({"ros1_status": ["positive"]}, {"b"}),
        ({"ntrk_status": ["positive"]}, {"c"}),
        ({"fusion_status": ["yes"]}, {"a", "b", "c"}),
        ({"fusion_status": ["no"]}, {"d"}),
        ({"treatment_category": ["alk_inhibitor"]}, {"a"}),
        ({"treatment_agent": ["ibuprofen", "methotrexate_vinblastine"]}, {"b", "c"}),
        ({"institution": ["INST002"]}, {"b"}),
        ({"event_type": ["local_recurrence", "regional_recurrence"]}, {"a"}),
        ({"event_type": ["distant_metastasis"]}, {"c"}),
        (
            {
                "site_group": ["abdomen_pelvis"],
                "alk_status": ["positive"],
                "diagnosis_date_from": "2010-01-01",
                "diagnosis_date_to": "2020-12-31",
            },
            {"a"},
        ),
        ({"sex": [1, 9], "metastatic_at_diagnosis": False}, {"c"}),
        (
            {
                "fusion_status": ["yes"],
                "age_at_diagnosis_min": 18,
                "treatment_category": ["chemotherapy", "nsaid"],
            },
            {"b", "c"},
        ),
        ({"alk_status": ["positive"], "institution": ["INST002"]}, set()),
    ],
)
def test_each_criterion_and_combination_selects_the_right_tumors_and_never_withdrawn_consent(
    tumors, criteria, expected
):
    assert letters(cohort_tumors(validate_criteria(criteria)), tumors) == expected


def test_attrition_counts_each_criterion_in_turn_and_adds_up(tumors):
    criteria = validate_criteria(
        {
            "event_type": ["local_recurrence"],
            "site_group": ["abdomen_pelvis", "lung_thorax"],
            "alk_status": ["positive", "negative"],
            "diagnosis_date_from": "2010-01-01",
        }
    )
    preview = cohort_preview(criteria)
    steps = [row["step"] for row in preview["attrition"]]
    assert steps == ["all", "diagnosis_date", "site_group", "alk_status", "event_type"]  # fixed order
    counts = [row["tumors"] for row in preview["attrition"]]
    assert counts == [4, 4, 2, 2, 1]
    for before, after in zip(preview["attrition"], preview["attrition"][1:], strict=False):
        assert before["tumors"] - after["excluded"] == after["tumors"]
    assert preview["tumors"] == 1 and preview["patients"] == 1


def test_fingerprint_is_stable_whatever_the_order_of_keys_and_values():
    one = validate_criteria({"sex": [2, 1], "site_group": ["lung_thorax", "abdomen_pelvis"]})
    two = validate_criteria({"site_group": ["abdomen_pelvis", "lung_thorax"], "sex": [1, 2]})
    assert criteria_fingerprint(one) == criteria_fingerprint(two)
    assert criteria_fingerprint(one) != criteria_fingerprint(validate_criteria({"sex": [1]}))


@pytest.mark.parametrize(
    "criteria, field",
    [
        ({"site_group": ["abdomen\x00"]}, "criteria.site_group"),
        ({"topography_prefix": ["C4\x008"]}, "criteria.topography_prefix"),
        ({"institution": ["INST\x00001"]}, "criteria.institution"),
        ({"diagnosis_date_from": "2010-01-01\x00"}, "criteria.diagnosis_date_from"),
        ({"age_at_diagnosis_min": "ten"}, "criteria.age_at_diagnosis_min"),
        ({"sex": "female"}, "criteria.sex"),
        ({"size_mm_min": 200, "size_mm_max": 100}, "criteria.size_mm_max"),
        ({"metastatic_at_diagnosis": {"yes": 1}}, "criteria.metastatic_at_diagnosis"),
        ({"colour": ["blue"]}, "criteria.colour"),
    ],
)
def test_a_nul_byte_or_bad_type_in_criteria_is_a_400_naming_the_field(epidemiologist, criteria, field):
    response = client_for(epidemiologist).post(
        "/api/cohorts/", {"name": "x", "criteria": criteria}, format="json"
    )
    assert response.status_code == 400, response.content
    named = [error["field"] for error in response.json()["errors"]]
    # A bad element of a list is named with its index (criteria.site_group.0).
    assert any(name == field or name.startswith(field + ".") for name in named), named


def test_a_nul_byte_in_the_cohort_name_or_query_parameters_is_a_400(epidemiologist):
    client = client_for(epidemiologist)
    response = client.post("/api/cohorts/", {"name": "bad\x00name", "criteria": {}}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "name"
    response = client.get("/api/deidentified/tumors/", {"site_group": "lung\x00"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"].split(".")[0] == "site_group"
    response = client.get("/api/deidentified/tumors/", {"shoe_size": "9"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "shoe_size"


def test_epidemiologist_defines_previews_and_updates_a_cohort(epidemiologist, tumors):
    client = client_for(epidemiologist)
    created = client.post(
        "/api/cohorts/",
        {
            "name": "ALK-positive abdominal IMT diagnosed 2010-2020",
            "criteria": {
                "site_group": ["abdomen_pelvis"],
                "alk_status": ["positive"],
                "diagnosis_date_from": "2010-01-01",
                "diagnosis_date_to": "2020-12-31",
            },
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    cohort = created.json()
    assert cohort["owner"] == "epidemiologist" and len(cohort["criteria_fingerprint"]) == 64
    preview = client.get(f"/api/cohorts/{cohort['id']}/preview/").json()
    assert preview["tumors"] == 1 and preview["patients"] == 1
    assert [s["tumors"] for s in preview["attrition"]] == [4, 3, 1, 1]
    updated = client.patch(
        f"/api/cohorts/{cohort['id']}/", {"criteria": {"alk_status": ["negative"]}}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["criteria"] == {"alk_status": ["negative"]}
    assert (
        client.post("/api/cohorts/preview/", {"criteria": {"sex": [2]}}, format="json").json()["tumors"] == 2
    )
    assert client.delete(f"/api/cohorts/{cohort['id']}/").status_code == 204


@pytest.mark.parametrize(
    "criteria, field",
    [
        ({"diagnosis_date_from": "2015-03-10"}, "diagnosis_date_from"),
        ({"diagnosis_date_to": "2015-03-10"}, "diagnosis_date_to"),
        ({"age_at_diagnosis_min": 95}, "age_at_diagnosis_min"),
    ],
)
def test_criteria_cannot_pin_a_day_of_diagnosis_or_an_age_over_89(criteria, field):
    with pytest.raises(ValidationError) as refused:
        validate_criteria(criteria)
    assert field in refused.value.detail


def test_an_age_of_90_means_90_and_over(tumors):
    criteria = validate_criteria({"age_at_diagnosis_min": 0, "age_at_diagnosis_max": 90})
    assert cohort_tumors(criteria).count() == cohort_tumors({}).count()
