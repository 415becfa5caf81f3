"""The finding "imaging suggests an event not recorded" carries its own button: one POST records the event
and resolves the finding; the imaging study's page links to that finding."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import DiseaseEvent
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.services import findings_acknowledge, findings_refresh
from tests.factories import ImagingStudyFactory, TumorFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 1, 1)
BUTTON = 'id="create-event-from-imaging"'


@pytest.fixture
def study():
    study = ImagingStudyFactory(tumor=TumorFactory(), date=dt.date(2020, 11, 1), result="regional_recurrence")
    findings_refresh(patient_ids=[study.tumor.patient_id], as_of=AS_OF)
    return study


@pytest.fixture
def finding(study):
    return Finding.objects.get(rule=Rule.IMAGING_EVENT_NOT_RECORDED, imaging_study=study)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user, finding) -> str:
    return _client(user).get(reverse("admin:quality_finding_change", args=[finding.pk])).content.decode()


def _create_url(finding) -> str:
    return reverse("admin:quality_finding_create_event", args=[finding.pk])


def test_the_open_finding_shows_the_button_to_a_registrar(registrar, finding):
    assert BUTTON in _page(registrar, finding)


def test_an_acknowledged_finding_shows_no_button(registrar, finding):
    findings_acknowledge(finding_ids=[finding.pk], user=registrar, reason="Artefact on CT")
    assert BUTTON not in _page(registrar, finding)


def test_a_finding_of_another_rule_shows_no_button(registrar):
    tumor = TumorFactory(size_mm=350)
    findings_refresh(patient_ids=[tumor.patient_id], as_of=AS_OF)
    assert BUTTON not in _page(registrar, Finding.objects.get(rule=Rule.SIZE_OVER_300_MM))


def test_a_coordinator_sees_the_finding_without_the_button(coordinator, finding):
    page = _page(coordinator, finding)
    assert "Regional" in page or "regional" in page
    assert BUTTON not in page


def test_the_button_records_one_event_and_resolves_the_finding(registrar, finding, study):
    client = _client(registrar)
    response = client.post(_create_url(finding), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:quality_finding_change", args=[finding.pk])
    assert "recorded from the imaging study" in response.content.decode()
    event = DiseaseEvent.objects.get()
    assert (event.event_type, event.source_imaging_id, event.basis) == (
        "regional_recurrence",
        study.pk,
        "imaging",
    )
    finding.refresh_from_db()
    assert finding.state == FindingState.RESOLVED and finding.state_changed_by == registrar

    client.post(_create_url(finding))  # a second press (back button, double click) adds nothing
    assert DiseaseEvent.objects.count() == 1


def test_a_get_creates_nothing(registrar, finding):
    assert _client(registrar).get(_create_url(finding)).status_code == 405
    assert not DiseaseEvent.objects.exists()


def test_a_coordinator_cannot_create_the_event(coordinator, finding):
    assert _client(coordinator).post(_create_url(finding)).status_code == 403
    assert not DiseaseEvent.objects.exists()


def test_the_post_needs_the_csrf_token(registrar, finding):
    client = Client(enforce_csrf_checks=True)
    client.force_login(registrar)
    assert client.post(_create_url(finding)).status_code == 403
    assert not DiseaseEvent.objects.exists()


def test_the_imaging_study_page_links_to_its_open_finding(registrar, finding, study):
    url = reverse("admin:registry_imagingstudy_change", args=[study.pk])
    link = reverse("admin:quality_finding_change", args=[finding.pk])
    assert f'href="{link}"' in _client(registrar).get(url).content.decode()

    _client(registrar).post(_create_url(finding))
    assert 'id="unrecorded-event-finding"' not in _client(registrar).get(url).content.decode()
