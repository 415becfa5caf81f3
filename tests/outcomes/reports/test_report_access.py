"""Each role against the dashboard, the status endpoint, the plot and the API."""

import pytest
from django.test import Client

from outcomes.reports import services
from outcomes.reports.models import OutcomeReport
from tests.conftest import client_for
from tests.outcomes.reports.conftest import CUT_OFF

pytestmark = pytest.mark.django_db
READERS = {"registrar": 200, "epidemiologist": 200, "admin": 200, "coordinator": 403}


@pytest.fixture
def report(db):
    from tests.outcomes.reports.conftest import build_registry

    build_registry(abdominal=12, lung=0)
    queued, _ = services.report_request(cut_off=CUT_OFF, strata=["all"])
    services.report_compute(report_id=queued.pk)
    return OutcomeReport.objects.get(pk=queued.pk)


def _browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role,expected", READERS.items())
def test_the_dashboard_opens_for_report_readers_only(report, role_users, role, expected):
    response = _browser(role_users[role]).get("/outcomes/reports/")
    assert response.status_code == expected
    if expected == 200:
        assert report.fingerprint in response.content.decode()
        assert f"/api/reports/{report.pk}/plot/?endpoint=recurrence" in response.content.decode()


def test_the_dashboard_sends_anonymous_visitors_to_the_login_page(report):
    response = Client().get("/outcomes/reports/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role,expected", READERS.items())
def test_the_status_endpoint_follows_the_same_roles(report, role_users, role, expected):
    response = _browser(role_users[role]).get(f"/outcomes/reports/{report.pk}/status/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == "succeeded" and response.json()["progress"] == 100


@pytest.mark.parametrize("role,expected", {**READERS, "coordinator": 302}.items())
def test_the_dashboard_button_queues_a_report_with_csrf(role_users, role, expected, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_users[role])
    assert client.post("/outcomes/reports/run/", {"cut_off": "2024-12-31"}).status_code == 403  # no token
    page = client.get("/outcomes/reports/")
    if expected == 403 or page.status_code == 403:
        assert role == "coordinator"
        return
    token = page.cookies["csrftoken"].value
    response = client.post("/outcomes/reports/run/", {"cut_off": "2024-12-31", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and "watch=" in response["Location"]
    assert OutcomeReport.objects.filter(status="pending", cut_off="2024-12-31").count() == 1


def test_the_dashboard_refuses_a_future_cut_off(registrar):
    response = _browser(registrar).post("/outcomes/reports/run/", {"cut_off": "2999-01-01"}, follow=True)
    assert "cannot be after today" in response.content.decode()
    assert not OutcomeReport.objects.exists()


@pytest.mark.parametrize("role,expected", READERS.items())
def test_the_plot_is_a_png_for_report_readers_only(report, role_users, role, expected):
    response = client_for(role_users[role]).get(f"/api/reports/{report.pk}/plot/?endpoint=overall_survival")
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "image/png"


def test_a_plot_request_with_a_wrong_kind_names_the_field(report, registrar):
    response = client_for(registrar).get(f"/api/reports/{report.pk}/plot/?endpoint=overall_survival&kind=aj")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"
    missing = client_for(registrar).get(f"/api/reports/{report.pk}/plot/?endpoint=recurrence&stratum=variant")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize("role,expected", READERS.items())
def test_the_api_lists_and_reads_reports_for_report_readers_only(report, role_users, role, expected):
    client = client_for(role_users[role])
    listing = client.get("/api/reports/?status=succeeded")
    detail = client.get(f"/api/reports/{report.pk}/")
    assert listing.status_code == detail.status_code == expected
    if expected == 200:
        assert listing.json()["count"] == 1 and "results" not in listing.json()["results"][0]
        assert detail.json()["fingerprint"] == report.fingerprint


def test_the_api_refuses_anonymous_clients(report, api_client):
    assert api_client.get("/api/reports/").status_code in (401, 403)


@pytest.mark.parametrize(
    "role,expected", {**READERS, "registrar": 202, "epidemiologist": 202, "admin": 202}.items()
)
def test_posting_queues_a_run_and_a_second_post_returns_the_active_one(role_users, role, expected, db):
    client = client_for(role_users[role])
    first = client.post("/api/reports/", {"cut_off": "2024-06-30"})
    assert first.status_code == expected
    if expected != 202:
        assert first.json()["code"] == "permission_denied"
        return
    assert first.json()["status"] == "pending"
    second = client.post("/api/reports/", {"cut_off": "2024-06-30"})
    assert second.status_code == 202 and second.json()["id"] == first.json()["id"]


def test_posting_bad_input_names_the_field_and_queues_nothing(epidemiologist):
    response = client_for(epidemiologist).post("/api/reports/", {"cut_off": "2999-01-01", "cohort": 999})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"cut_off", "cohort"}
    assert not OutcomeReport.objects.exists()


def test_the_list_filters_by_status_and_cohort_in_a_fixed_number_of_queries(
    report, registrar, django_assert_max_num_queries
):
    for _ in range(3):
        OutcomeReport.objects.create(cut_off=CUT_OFF, parameters_key="x", status="failed")
    client = client_for(registrar)
    with django_assert_max_num_queries(4):
        body = client.get("/api/reports/?status=failed").json()
    assert body["count"] == 3
    assert client.get("/api/reports/?cohort=12345").json()["count"] == 0


def test_a_report_can_be_asked_only_for_a_cohort_of_ones_own(registrar, epidemiologist, registry_admin):
    from outcomes.cohorts.models import Cohort
    from tests.factories import UserFactory

    other = UserFactory(username="other-epidemiologist", role="Epidemiologist", is_staff=False)
    theirs = Cohort.objects.create(name="Theirs", owner=other, criteria={})
    mine = Cohort.objects.create(name="Mine", owner=epidemiologist, criteria={})
    for user, cohort, allowed in (
        (epidemiologist, theirs, False),
        (epidemiologist, mine, True),
        (registrar, mine, False),
        (registry_admin, theirs, True),
    ):
        response = client_for(user).post("/api/reports/", {"cohort": cohort.pk}, format="json")
        assert (response.status_code == 202) is allowed, (user.username, cohort.name, response.content)
