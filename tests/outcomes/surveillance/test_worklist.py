"""The coordinator worklist: who may see it, what it shows, and the actions a coordinator takes."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from outcomes.surveillance.models import ItemState, SurveillanceItem
from outcomes.surveillance.services import refresh_surveillance
from tests.outcomes.surveillance.helpers import patient_with_tumor

pytestmark = pytest.mark.django_db
WORKLIST = "/outcomes/surveillance/worklist/"


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def items(coordinator):
    mine, tumor = patient_with_tumor(coordinator=coordinator, last_name="Ownpatient", phone="+1 555 0100")
    other, _ = patient_with_tumor(last_name="Otherpatient")
    refresh_surveillance(as_of=dt.date.today())
    return mine, other, tumor


def test_a_coordinator_sees_only_their_patients_with_names_and_phone(coordinator, items):
    response = client_of(coordinator).get(WORKLIST)
    assert response.status_code == 200
    assert b"Ownpatient" in response.content and b"+1 555 0100" in response.content
    assert b"Otherpatient" not in response.content


def test_admins_see_everyone_and_filter_by_coordinator(registry_admin, coordinator, items):
    response = client_of(registry_admin).get(WORKLIST, {"coordinator": coordinator.pk})
    assert b"Ownpatient" in response.content and b"Otherpatient" not in response.content
    assert b"Otherpatient" in client_of(registry_admin).get(WORKLIST).content


def test_epidemiologists_are_refused_and_anonymous_users_are_sent_to_login(epidemiologist, items):
    assert client_of(epidemiologist).get(WORKLIST).status_code == 403
    assert Client().get(WORKLIST).status_code == 302


def test_registrars_read_but_cannot_act(registrar, items):
    item = SurveillanceItem.objects.get(patient=items[0])
    client = client_of(registrar)
    assert client.get(WORKLIST).status_code == 200
    response = client.post(
        reverse("surveillance:item-action", args=[item.pk, "schedule"]), {"scheduled_date": "2030-01-01"}
    )
    assert response.status_code == 403


def test_coordinator_marks_scheduled_then_completes_with_a_new_study(coordinator, items):
    mine, _, _ = items
    item = SurveillanceItem.objects.get(patient=mine)
    client = client_of(coordinator)
    url = reverse("surveillance:item-action", args=[item.pk, "schedule"])
    assert client.post(url, {"scheduled_date": dt.date.today().isoformat()}).status_code == 302
    item.refresh_from_db()
    assert item.state == ItemState.SCHEDULED and item.history.first().history_user == coordinator

    url = reverse("surveillance:item-action", args=[item.pk, "complete"])
    assert client.post(url, {"study_date": dt.date.today().isoformat()}).status_code == 400  # no modality
    response = client.post(
        url, {"study_date": dt.date.today().isoformat(), "modality": "ct", "region": "chest", "result": "ned"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == ItemState.COMPLETED and item.completed_by.modality == "ct"
    assert SurveillanceItem.objects.filter(patient=mine, state=ItemState.PLANNED).exists()
    page = client.get(reverse("surveillance:item", args=[item.pk]))
    assert b"completed by coordinator" in page.content


def test_marking_a_patient_transferred_stops_reminders(coordinator, items):
    mine, _, _ = items
    item = SurveillanceItem.objects.get(patient=mine)
    url = reverse("surveillance:item-action", args=[item.pk, "follow-up"])
    assert client_of(coordinator).post(url, {"follow_up_status": "transferred"}).status_code == 302
    item.refresh_from_db()
    assert item.state == ItemState.NOT_NEEDED and "transferred" in item.not_needed_reason


def test_the_admin_index_links_to_the_worklist(coordinator, items):
    client = client_of(coordinator)
    assert b"coordinator worklist" in client.get("/admin/").content.lower()
    assert client.get(reverse("admin:surveillance_worklist_changelist")).url == WORKLIST


def test_the_patient_panel_shows_the_plan_and_its_reason(items):
    from django.template import Context, Template

    html = Template("{% load surveillance %}{% surveillance_panel patient %}").render(
        Context({"patient": items[0]})
    )
    assert "Standard" in html and "no risk factor" in html


def test_a_date_centuries_ahead_is_refused_on_the_field_not_a_crash(items):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from outcomes.surveillance.models import SurveillanceItem
    from outcomes.surveillance.services import item_schedule

    item = SurveillanceItem.objects.filter(state__in=("due", "overdue", "upcoming", "escalated")).first()
    with pytest.raises(ValidationError) as refused:
        item_schedule(item_id=item.pk, scheduled_date=dt.date(9999, 12, 31), user=None, as_of=dt.date.today())
    assert "scheduled_date" in refused.value.message_dict
