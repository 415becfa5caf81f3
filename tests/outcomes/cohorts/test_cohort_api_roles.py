"""Every cohort and export endpoint against every role: epidemiologists and admins in, others out;
the export log is for admins only and nobody can edit it."""

import pytest
from django.contrib.auth.models import Group

from outcomes.cohorts.models import Cohort, ExportLog
from registry.roles import EPIDEMIOLOGIST
from tests.conftest import client_for
from tests.factories import TumorFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("registrar", "coordinator", "epidemiologist", "admin")


@pytest.fixture
def cohort(epidemiologist):
    return Cohort.objects.create(owner=epidemiologist, name="Lung", criteria={"site_group": ["lung_thorax"]})


def endpoints(cohort):
    return [
        ("get", "/api/cohorts/", None),
        ("post", "/api/cohorts/", {"name": "new", "criteria": {"sex": [2]}}),
        ("get", f"/api/cohorts/{cohort.pk}/", None),
        ("patch", f"/api/cohorts/{cohort.pk}/", {"description": "changed"}),
        ("get", f"/api/cohorts/{cohort.pk}/preview/", None),
        ("post", "/api/cohorts/preview/", {"criteria": {"sex": [2]}}),
        ("get", "/api/deidentified/tumors/", None),
        ("get", "/api/exports/bundle/", None),
        ("delete", f"/api/cohorts/{cohort.pk}/", None),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_cohort_and_export_endpoints_admit_epidemiologists_and_admins_only(role, role_users, cohort):
    TumorFactory()
    client = client_for(role_users[role])
    for method, url, body in endpoints(cohort):
        response = getattr(client, method)(url, body, format="json")
        if role in ("registrar", "coordinator"):
            assert response.status_code == 403, (method, url)
        else:
            assert response.status_code in (200, 201, 204), (method, url, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ROLES)
def test_export_log_api_is_for_registry_admins_only(role, role_users):
    response = client_for(role_users[role]).get("/api/exports/log/")
    assert response.status_code == (200 if role == "admin" else 403)


def test_anonymous_users_are_asked_to_authenticate(api_client, cohort):
    for method, url, body in endpoints(cohort):
        assert getattr(api_client, method)(url, body, format="json").status_code == 401


def test_an_epidemiologist_sees_only_her_cohorts_and_an_admin_sees_all(
    epidemiologist, registry_admin, cohort
):
    other = UserFactory(username="other-epi", role=EPIDEMIOLOGIST, is_staff=False)
    theirs = Cohort.objects.create(owner=other, name="Theirs", criteria={})
    mine = client_for(epidemiologist)
    assert [c["id"] for c in mine.get("/api/cohorts/").json()["results"]] == [cohort.pk]
    assert mine.get(f"/api/cohorts/{theirs.pk}/").status_code == 404
    assert mine.delete(f"/api/cohorts/{theirs.pk}/").status_code == 404
    assert mine.get("/api/exports/bundle/", {"cohort": theirs.pk}).status_code == 404
    assert {c["id"] for c in client_for(registry_admin).get("/api/cohorts/").json()["results"]} == {
        cohort.pk,
        theirs.pk,
    }


def test_identified_export_permission_belongs_to_the_registry_admin_role_only():
    holders = set(
        Group.objects.filter(permissions__codename="export_identified").values_list("name", flat=True)
    )
    assert holders == {"Registry admin"}


def test_admin_reads_the_export_log_but_nobody_can_add_change_or_delete(
    epidemiologist, registry_admin, client
):
    TumorFactory()
    b"".join(client_for(epidemiologist).get("/api/exports/bundle/").streaming_content)
    log = ExportLog.objects.get()
    client.force_login(registry_admin)
    listing = client.get("/admin/cohorts/exportlog/")
    assert listing.status_code == 200 and b"epidemiologist" in listing.content
    assert client.get(f"/admin/cohorts/exportlog/{log.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/cohorts/exportlog/add/").status_code == 403
    assert client.post(f"/admin/cohorts/exportlog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ExportLog.objects.filter(pk=log.pk).exists()
    api = client_for(registry_admin).get("/api/exports/log/").json()
    assert api["results"][0]["status"] == "completed" and api["results"][0]["row_counts"]["tumors"] == 1
