"""Three registrar pages in a real browser at 1280 px: the coordinator picked by typing part of a name, the
molecular-tests table inside its box, the event created from the finding's own page."""

import datetime as dt

import pytest

from registry.models import DiseaseEvent, Patient
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.services import findings_refresh
from registry.roles import COORDINATOR
from tests.e2e.conftest import log_in, with_password
from tests.factories import ImagingStudyFactory, MolecularTestFactory, TumorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_registrar_picks_the_coordinator_by_typing_part_of_the_name(page, registrar):
    coordinator = UserFactory(username="jdoe", first_name="Jane", last_name="Doe", role=COORDINATOR)
    patient = TumorFactory().patient
    log_in(page, f"/admin/login/?next=/admin/registry/patient/{patient.pk}/change/", with_password(registrar))

    page.click(".field-coordinator .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "Doe")
    page.click(".select2-results__option:has-text('jdoe (Jane Doe)')")
    page.click("input[name=_save]")

    assert "was changed successfully" in page.locator("ul.messagelist").inner_text()
    assert Patient.objects.get(pk=patient.pk).coordinator == coordinator


def test_the_molecular_tests_table_fits_its_box_at_1280_px(page, registrar):
    tumor = TumorFactory()
    MolecularTestFactory(tumor=tumor, method="fish", nuclei_counted=100, nuclei_rearranged=38)
    MolecularTestFactory(tumor=tumor)
    log_in(page, f"/admin/login/?next=/admin/registry/tumor/{tumor.pk}/change/", with_password(registrar))

    group = page.locator("#molecular_tests-group").bounding_box()
    table = page.locator("#molecular_tests-group table").bounding_box()
    delete = page.locator("#molecular_tests-group td.delete").first.bounding_box()

    assert table["width"] <= group["width"] + 1
    assert delete["x"] + delete["width"] <= group["x"] + group["width"]


def test_a_registrar_creates_the_event_from_the_finding_page(page, registrar):
    study = ImagingStudyFactory(date=dt.date(2020, 11, 1), result="regional_recurrence")
    findings_refresh(patient_ids=[study.tumor.patient_id], as_of=dt.date(2021, 1, 1))
    finding = Finding.objects.get(rule=Rule.IMAGING_EVENT_NOT_RECORDED)
    log_in(
        page, f"/admin/login/?next=/admin/registry/imagingstudy/{study.pk}/change/", with_password(registrar)
    )

    page.click("#unrecorded-event-finding")  # the study's page leads to its finding
    page.click("#create-event-from-imaging")

    assert "recorded from the imaging study" in page.locator("ul.messagelist").inner_text()
    assert DiseaseEvent.objects.filter(source_imaging=study).count() == 1
    finding.refresh_from_db()
    assert finding.state == FindingState.RESOLVED
    assert page.locator("#create-event-from-imaging").count() == 0
