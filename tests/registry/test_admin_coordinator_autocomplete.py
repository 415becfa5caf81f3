"""The patient page's coordinator box searches active coordinators for registrars and registry admins,
without giving them the user list."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.roles import COORDINATOR, REGISTRAR
from tests.factories import TumorFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:registry_patient_coordinator_autocomplete")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_registrar_finds_a_coordinator_by_name(registrar):
    UserFactory(username="jdoe", first_name="Jane", last_name="Doe", role=COORDINATOR)
    UserFactory(username="other", first_name="Omar", last_name="Ames", role=COORDINATOR)

    body = _client(registrar).get(URL, {"term": "doe"}).json()

    assert [row["text"] for row in body["results"]] == ["jdoe (Jane Doe)"]
    assert body["pagination"] == {"more": False}


def test_only_active_coordinators_are_offered(registry_admin):
    UserFactory(username="coord-active", role=COORDINATOR)
    UserFactory(username="coord-gone", role=COORDINATOR, is_active=False)
    UserFactory(username="reg-someone", role=REGISTRAR)
    UserFactory(username="no-role")

    texts = [row["text"] for row in _client(registry_admin).get(URL).json()["results"]]

    assert texts == ["coord-active"]


def test_a_registrar_needs_no_permission_on_the_user_list(registrar):
    assert not registrar.has_perm("auth.view_user")
    assert _client(registrar).get(URL).status_code == 200
    assert _client(registrar).get(reverse("admin:auth_user_changelist")).status_code == 403


def test_coordinators_and_epidemiologists_get_no_coordinator_search(coordinator, epidemiologist):
    assert _client(coordinator).get(URL).status_code == 403
    response = _client(epidemiologist).get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_results_come_a_page_at_a_time(registrar):
    for n in range(25):
        UserFactory(username=f"coord{n:02d}", role=COORDINATOR)
    client = _client(registrar)

    first, second = client.get(URL).json(), client.get(URL, {"page": 2}).json()

    assert len(first["results"]) == 20 and first["pagination"]["more"] is True
    assert len(second["results"]) == 5 and second["pagination"]["more"] is False


def _queries_for(client, coordinators: int) -> int:
    for n in range(coordinators):
        UserFactory(username=f"c{coordinators}-{n}", role=COORDINATOR)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"term": "c"}).status_code == 200
    return len(queries)


def test_the_search_costs_the_same_queries_for_3_and_30_coordinators(registrar):
    client = _client(registrar)
    client.get(URL)  # session and user loaded once, as on any later request
    assert _queries_for(client, 3) == _queries_for(client, 30)


def test_the_patient_page_offers_the_coordinator_as_a_search_box(registrar):
    coordinator = UserFactory(username="jdoe", first_name="Jane", last_name="Doe", role=COORDINATOR)
    patient = TumorFactory().patient
    patient.coordinator = coordinator
    patient.save()

    page = (
        _client(registrar).get(reverse("admin:registry_patient_change", args=[patient.pk])).content.decode()
    )

    assert f'data-ajax--url="{URL}"' in page
    assert "jdoe (Jane Doe)" in page  # the current choice is shown by its label, without a search


def test_the_bulk_assignment_page_offers_the_search_box_too(registrar):
    patient = TumorFactory().patient
    response = _client(registrar).post(
        reverse("admin:registry_patient_changelist"),
        {
            "action": "assign_coordinator",
            "_selected_action": [patient.pk],
        },
    )
    page = response.content.decode()
    assert f'data-ajax--url="{URL}"' in page and "admin/js/autocomplete.js" in page
