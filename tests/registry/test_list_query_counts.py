"""Changelists, the findings report and the API lists cost the same queries for N and 10N rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.quality.services import findings_refresh
from tests.conftest import client_for
from tests.factories import (
    DiseaseEventFactory,
    ImagingStudyFactory,
    MolecularTestFactory,
    PatientFactory,
    PresentationFactory,
    SurgeryFactory,
    TumorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

N = 2


def _add_patients(count):
    ids = []
    for _ in range(count):
        tumor = TumorFactory(patient=PatientFactory(coordinator=UserFactory()), size_mm=350)
        PresentationFactory(tumor=tumor)
        SurgeryFactory(tumor=tumor)
        MolecularTestFactory(tumor=tumor)
        ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 12, 1), result="progression")
        DiseaseEventFactory(tumor=tumor, date=dt.date(2021, 6, 1))
        ids.append(tumor.patient_id)
    findings_refresh(patient_ids=ids)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


ADMIN_PAGES = [
    "admin:registry_patient_changelist",
    "admin:registry_tumor_changelist",
    "admin:quality_finding_changelist",
    "admin:registry_imagingstudy_changelist",
]
API_LISTS = ["/api/patients/", "/api/tumors/", "/api/findings/"]


def test_admin_changelists_cost_the_same_queries_for_n_and_10n_rows(registrar):
    client = Client()
    client.force_login(registrar)
    _add_patients(N)
    small = {page: _queries(client, reverse(page)) for page in ADMIN_PAGES}
    _add_patients(9 * N)
    large = {page: _queries(client, reverse(page)) for page in ADMIN_PAGES}
    assert small == large


def test_api_lists_cost_the_same_queries_for_n_and_10n_rows(registrar):
    client = client_for(registrar)
    client.get(API_LISTS[0])  # the user's roles are looked up once, then cached on the user
    _add_patients(N)
    small = {url: _queries(client, url) for url in API_LISTS}
    _add_patients(9 * N)
    large = {url: _queries(client, url) for url in API_LISTS}
    assert small == large
