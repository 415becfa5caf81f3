"""The de-identified tumor list: criteria as query parameters, no identifiers, constant queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.factories import PatientFactory, SurgeryFactory, TumorFactory

pytestmark = pytest.mark.django_db


def _make(n):
    for i in range(n):
        tumor = TumorFactory(primary_site="C48.1" if i % 2 else "C34.1")
        SurgeryFactory(tumor=tumor)


def _queries(user, **params) -> int:
    client = client_for(type(user).objects.get(pk=user.pk))  # fresh user: its roles are looked up again
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/deidentified/tumors/", params)
        assert response.status_code == 200
    return len(captured)


def test_list_query_count_is_the_same_for_n_and_10n_tumors(epidemiologist):
    # Expect 9 queries: roles, count, page, and for patient and tumor keys: read, add the missing, re-read.
    _make(3)
    small = _queries(epidemiologist, site_group="abdomen_pelvis,lung_thorax", alk_status="unknown")
    _make(27)
    large = _queries(epidemiologist, site_group="abdomen_pelvis,lung_thorax", alk_status="unknown")
    assert small == large == 9


def test_list_filters_by_query_parameters_and_shows_no_identifier(epidemiologist):
    patient = PatientFactory(
        last_name="Quixotic",
        medical_record_number="MRN-Q-77",
        date_of_birth=dt.date(1931, 1, 5),
        date_of_last_contact=dt.date(2023, 3, 1),
    )
    TumorFactory(patient=patient, primary_site="C48.1", date_of_diagnosis=dt.date(2015, 4, 2))
    TumorFactory(primary_site="C34.1")
    response = client_for(epidemiologist).get("/api/deidentified/tumors/", {"site_group": "abdomen_pelvis"})
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["diagnosis_year"] == 2015 and row["tumor_key"].startswith("T")
    # 84 at diagnosis, 92 at last contact: only the 10-year band is released.
    assert row["age_at_diagnosis"] is None and row["age_band"] == "80-89"
    text = response.content.decode()
    for identifier in ("Quixotic", "MRN-Q-77", "1931", "2015-04-02"):
        assert identifier not in text
    assert "registry_number" not in row
    assert str(patient.registry_number) not in (row["patient_key"], row["tumor_key"])
