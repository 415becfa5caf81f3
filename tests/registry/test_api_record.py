"""The registrars' read API of the record: who may read it, what a tumor carries, and the filters."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from registry.quality.services import findings_refresh
from tests.conftest import client_for
from tests.factories import (
    InstitutionFactory,
    MolecularTestFactory,
    PatientFactory,
    PresentationFactory,
    SurgeryFactory,
    TumorFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)  # derived tumor columns refresh on commit

ROLES = ("registrar", "coordinator", "epidemiologist", "admin")
EXPECTED = {"registrar": 200, "admin": 200, "coordinator": 403, "epidemiologist": 403, None: 401}


@pytest.fixture
def mesenteric_case():
    tumor = TumorFactory(
        patient=PatientFactory(last_name="Doe", date_of_birth=dt.date(2013, 2, 1)),
        primary_site="C48.1",
        size_mm=62,
        date_of_diagnosis=dt.date(2020, 3, 10),
    )
    PresentationFactory(tumor=tumor, detection="symptoms", abdominal_pain=True, fever=True, crp_mg_l=85)
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 24), extent="incomplete", margin="R1")
    MolecularTestFactory(
        tumor=tumor,
        method="fish",
        specimen_date=dt.date(2020, 3, 24),
        nuclei_counted=100,
        nuclei_rearranged=38,
    )
    findings_refresh(patient_ids=[tumor.patient_id])
    return tumor


def _endpoints(tumor):
    finding_id = tumor.patient.findings.first().pk
    return [
        "/api/patients/",
        f"/api/patients/{tumor.patient_id}/",
        "/api/tumors/",
        f"/api/tumors/{tumor.pk}/",
        "/api/findings/",
        f"/api/findings/{finding_id}/",
    ]


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_each_role_gets_the_status_its_role_allows_on_every_record_endpoint(
    role, role_users, mesenteric_case
):
    client = client_for(role_users[role]) if role else APIClient()
    for url in _endpoints(mesenteric_case):
        response = client.get(url)
        assert response.status_code == EXPECTED[role], url
        if response.status_code != 200:
            assert set(response.json()) == {"status", "code", "detail", "errors"}
            assert "Doe" not in response.content.decode()


def test_a_tumor_carries_its_records_and_derived_status(registrar, mesenteric_case):
    body = client_for(registrar).get(f"/api/tumors/{mesenteric_case.pk}/").json()
    assert body["site_group"] == "abdomen_pelvis"
    assert body["alk_status"] == "positive"
    assert body["margin"] == "R1"
    assert body["presentation"]["systemic_inflammatory_symptoms"] is True
    assert body["presentation"]["crp_mg_l"] == "85.0"
    assert body["molecular_tests"][0]["nuclei_rearranged"] == 38
    assert 7.0 < body["age_at_diagnosis"] < 7.2


def test_patients_come_with_identifiers_for_registrars(registrar, mesenteric_case):
    body = client_for(registrar).get("/api/patients/").json()
    assert body["count"] == 1
    assert body["results"][0]["last_name"] == "Doe"
    assert body["results"][0]["medical_record_number"] == mesenteric_case.patient.medical_record_number


@pytest.mark.parametrize(
    "query, expected",
    [
        ("site_group=abdomen_pelvis", 1),
        ("site_group=lung_thorax", 0),
        ("alk_status=positive", 1),
        ("alk_status=negative", 0),
        ("margin=R1", 1),
        ("margin=R0", 0),
        ("institution=INST001", 1),
        ("institution=NONE", 0),
        ("diagnosed_from=2020-01-01&diagnosed_to=2020-12-31", 1),
        ("diagnosed_from=2021-01-01", 0),
    ],
)
def test_tumor_list_filters(registrar, mesenteric_case, query, expected):
    body = client_for(registrar).get(f"/api/tumors/?{query}").json()
    assert body["count"] == expected


def test_findings_filter_by_rule(registrar, mesenteric_case):
    body = client_for(registrar).get("/api/findings/?rule=no_coordinator").json()
    assert body["count"] == 1 and body["results"][0]["state"] == "open"
    assert client_for(registrar).get("/api/findings/?rule=size_over_300").json()["count"] == 0


def test_an_unknown_filter_value_is_a_400_naming_the_field(registrar, mesenteric_case):
    InstitutionFactory(code="INST002")
    response = client_for(registrar).get("/api/tumors/?site_group=moon")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "site_group"


def test_a_tumor_without_a_recorded_presentation_reads_as_null_and_lists_give_the_imaging_count(registrar):
    from tests.factories import ImagingStudyFactory, TumorFactory

    tumor = TumorFactory()
    ImagingStudyFactory(tumor=tumor)
    ImagingStudyFactory(tumor=tumor)
    client = client_for(registrar)
    assert client.get(f"/api/tumors/{tumor.pk}/").json()["presentation"] is None
    listed = [row for row in client.get("/api/tumors/").json()["results"] if row["id"] == tumor.pk][0]
    assert listed["imaging_count"] == 2 and "imaging_studies" not in listed
