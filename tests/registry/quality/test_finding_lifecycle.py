"""Findings follow the record: resolved ones reopen, acknowledged ones stay acknowledged, the event is
created from imaging in one step, and every write keeps them current."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import DiseaseEvent, Tumor
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.services import (
    disease_event_create_from_imaging,
    findings_acknowledge,
    findings_refresh,
)
from tests.factories import ImagingStudyFactory, PatientFactory, TumorFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 1, 1)


def _size_finding(tumor):
    findings_refresh(patient_ids=[tumor.patient_id], as_of=AS_OF)
    return Finding.objects.get(tumor=tumor, rule=Rule.SIZE_OVER_300_MM)


def test_a_resolved_finding_reopens_when_its_condition_returns():
    tumor = TumorFactory(size_mm=350)
    first = _size_finding(tumor)
    Tumor.objects.filter(pk=tumor.pk).update(size_mm=35)
    assert _size_finding(tumor).state == FindingState.RESOLVED
    Tumor.objects.filter(pk=tumor.pk).update(size_mm=360)
    again = _size_finding(tumor)
    assert again.pk == first.pk and again.state == FindingState.OPEN


def test_an_acknowledged_finding_stays_acknowledged_while_its_condition_holds(registrar):
    tumor = TumorFactory(size_mm=350)
    finding = _size_finding(tumor)
    assert findings_acknowledge(finding_ids=[finding.pk], user=registrar, reason="Measured on CT, 35 cm") == 1
    finding = _size_finding(tumor)
    assert finding.state == FindingState.ACKNOWLEDGED
    assert finding.state_changed_by == registrar and finding.reason == "Measured on CT, 35 cm"


def test_acknowledging_needs_a_reason(registrar):
    finding = _size_finding(TumorFactory(size_mm=350))
    with pytest.raises(ValidationError) as refused:
        findings_acknowledge(finding_ids=[finding.pk], user=registrar, reason="  ")
    assert "reason" in refused.value.message_dict


def test_creating_the_event_from_imaging_records_it_and_resolves_the_finding(registrar):
    tumor = TumorFactory()
    study = ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 11, 1), result="regional_recurrence")
    findings_refresh(patient_ids=[tumor.patient_id], as_of=AS_OF)
    assert Finding.objects.get(rule=Rule.IMAGING_EVENT_NOT_RECORDED).state == FindingState.OPEN

    event = disease_event_create_from_imaging(imaging_study=study, user=registrar)

    assert (event.event_type, event.date, event.basis, event.source_imaging_id) == (
        "regional_recurrence",
        dt.date(2020, 11, 1),
        "imaging",
        study.pk,
    )
    assert event.history.get().history_user == registrar
    finding = Finding.objects.get(rule=Rule.IMAGING_EVENT_NOT_RECORDED)
    assert finding.state == FindingState.RESOLVED and finding.state_changed_by == registrar


def test_a_study_without_a_suggestive_result_creates_no_event():
    study = ImagingStudyFactory(result="ned")
    with pytest.raises(ValidationError):
        disease_event_create_from_imaging(imaging_study=study)
    assert not DiseaseEvent.objects.exists()


def test_a_saved_record_updates_the_findings_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tumor = TumorFactory(size_mm=350)
    assert Finding.objects.filter(tumor=tumor, rule=Rule.SIZE_OVER_300_MM, state=FindingState.OPEN).exists()
    with django_capture_on_commit_callbacks(execute=True):
        tumor.size_mm = 35
        tumor.save()
    assert Finding.objects.get(tumor=tumor, rule=Rule.SIZE_OVER_300_MM).state == FindingState.RESOLVED


def test_refresh_findings_command_covers_the_whole_registry():
    for _ in range(3):
        TumorFactory(size_mm=350)
    call_command("refresh_findings", "--as-of", "2021-01-01", "--batch-size", "2", "--no-progress")
    assert Finding.objects.filter(rule=Rule.SIZE_OVER_300_MM, state=FindingState.OPEN).count() == 3


def _refresh_queries(patient_ids):
    with CaptureQueriesContext(connection) as queries:
        findings_refresh(patient_ids=patient_ids, as_of=AS_OF)
    return len(queries)


def test_refreshing_findings_costs_the_same_queries_for_3_and_30_patients():
    def build(n):
        ids = []
        for _ in range(n):
            tumor = TumorFactory(size_mm=350, patient=PatientFactory())
            ImagingStudyFactory(tumor=tumor, result="progression")
            ids.append(tumor.patient_id)
        return ids

    small, large = build(3), build(30)
    # First run creates findings, second run finds nothing to change: compare like with like.
    assert _refresh_queries(small) == _refresh_queries(large)
    assert _refresh_queries(small) == _refresh_queries(large)
