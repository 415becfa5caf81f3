"""Every role against every admin page of the record and the findings report (DESIGN section 10)."""

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import Patient
from registry.quality.models import Finding
from registry.quality.services import findings_refresh
from tests.factories import TumorFactory, UserFactory

pytestmark = pytest.mark.django_db

# Epidemiologists are not staff: every admin page sends them to the login page.
EXPECTED = {
    # page: (registrar, coordinator, epidemiologist, admin)
    ("registry_patient", "changelist"): (200, 200, 302, 200),
    ("registry_patient", "add"): (200, 403, 302, 200),
    ("registry_patient", "change"): (200, 200, 302, 200),
    ("registry_patient", "history"): (200, 200, 302, 200),
    ("registry_tumor", "changelist"): (200, 200, 302, 200),
    ("registry_tumor", "add"): (200, 403, 302, 200),
    ("registry_tumor", "change"): (200, 200, 302, 200),
    ("registry_imagingstudy", "add"): (200, 200, 302, 200),
    ("quality_finding", "changelist"): (200, 200, 302, 200),
    ("quality_finding", "add"): (403, 403, 302, 403),
    ("quality_finding", "change"): (200, 200, 302, 200),
}
ROLES = ("registrar", "coordinator", "epidemiologist", "admin")


@pytest.fixture
def record():
    tumor = TumorFactory(size_mm=350)
    findings_refresh(patient_ids=[tumor.patient_id])
    return {
        "registry_patient": tumor.patient_id,
        "registry_tumor": tumor.pk,
        "quality_finding": Finding.objects.first().pk,
    }


@pytest.mark.parametrize("page", list(EXPECTED), ids=["-".join(p) for p in EXPECTED])
@pytest.mark.parametrize("role_index", range(4), ids=ROLES)
def test_each_role_gets_the_admin_pages_its_role_allows(page, role_index, role_users, record):
    model, view = page
    args = [record[model]] if view in ("change", "history") else []
    client = Client()
    client.force_login(role_users[ROLES[role_index]])
    response = client.get(reverse(f"admin:{model}_{view}", args=args))
    assert response.status_code == EXPECTED[page][role_index]


def test_an_epidemiologist_with_staff_access_still_sees_no_patient_page(epidemiologist, record):
    epidemiologist.is_staff = True
    epidemiologist.save()
    client = Client()
    client.force_login(epidemiologist)
    assert client.get(reverse("admin:registry_patient_changelist")).status_code == 403
    assert (
        client.get(reverse("admin:registry_patient_change", args=[record["registry_patient"]])).status_code
        == 403
    )
    assert "Patient" not in client.get(reverse("admin:index")).content.decode()


def test_a_coordinator_changes_contact_details_but_not_the_identity(coordinator, record):
    from tests.registry.admin_forms import form_data

    client = Client()
    client.force_login(coordinator)
    url = reverse("admin:registry_patient_change", args=[record["registry_patient"]])
    data = form_data(client.get(url))
    data.update(
        {
            "phone": "555-0100",
            "follow_up_status": "transferred",
            "last_name": "Changed",
            "date_of_birth": "2001-01-01",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    patient = Patient.objects.get(pk=record["registry_patient"])
    assert (patient.phone, patient.follow_up_status) == ("555-0100", "transferred")
    assert patient.last_name != "Changed" and patient.date_of_birth.year == 2012


def test_a_coordinator_cannot_change_a_tumor(coordinator, record):
    client = Client()
    client.force_login(coordinator)
    url = reverse("admin:registry_tumor_change", args=[record["registry_tumor"]])
    assert client.post(url, {"size_mm": "10"}).status_code == 403


def test_assigning_a_coordinator_to_many_patients_writes_history(
    registrar, django_capture_on_commit_callbacks
):
    from registry.roles import COORDINATOR

    new_coordinator = UserFactory(username="newcoord", role=COORDINATOR)
    patients = [TumorFactory().patient for _ in range(3)]
    client = Client()
    client.force_login(registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:registry_patient_changelist"),
            {
                "action": "assign_coordinator",
                "_selected_action": [p.pk for p in patients],
                "coordinator": new_coordinator.pk,
                "apply": "1",
            },
        )
    assert response.status_code == 302
    for patient in patients:
        patient.refresh_from_db()
        assert patient.coordinator == new_coordinator
        latest = patient.history.latest()
        assert latest.coordinator_id == new_coordinator.pk and latest.history_user == registrar
