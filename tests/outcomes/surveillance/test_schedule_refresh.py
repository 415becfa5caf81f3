"""The stored schedule: states as days pass, completion by a study, plan switches, stops, overrides."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes.surveillance.models import ItemState, PlanOverride, SurveillanceItem, SurveillancePlan
from outcomes.surveillance.services import (
    item_complete,
    item_not_needed,
    item_schedule,
    plans_ensure_defaults,
    refresh_surveillance,
)
from registry.models import ImagingStudy
from tests.factories import DiseaseEventFactory, ImagingStudyFactory, TreatmentFactory
from tests.outcomes.surveillance.helpers import patient_with_tumor

pytestmark = pytest.mark.django_db
DUE = dt.date(2020, 6, 20)  # resection 2020-03-20 + 3 months


def open_item(patient):
    return SurveillanceItem.objects.get(
        patient=patient, state__in=[s for s in ItemState.values if s not in ("completed", "not_needed")]
    )


@pytest.mark.parametrize(
    "as_of, state",
    [
        (dt.date(2020, 5, 20), ItemState.PLANNED),
        (dt.date(2020, 5, 21), ItemState.UPCOMING),  # window opens 30 days before due
        (dt.date(2020, 6, 19), ItemState.UPCOMING),
        (dt.date(2020, 6, 20), ItemState.DUE),
        (dt.date(2020, 7, 20), ItemState.DUE),  # 30 days past due
        (dt.date(2020, 7, 21), ItemState.OVERDUE),
        (dt.date(2020, 9, 18), ItemState.OVERDUE),  # 90 days past due
        (dt.date(2020, 9, 19), ItemState.ESCALATED),
    ],
)
def test_item_state_follows_the_calendar(as_of, state):
    patient, _ = patient_with_tumor()
    refresh_surveillance(as_of=as_of)
    item = open_item(patient)
    assert (item.due_date, item.window_start, item.state) == (DUE, dt.date(2020, 5, 21), state)
    assert item.plan.code == "standard" and item.modality == "Chest CT"


def test_a_study_in_the_window_completes_the_item_and_the_next_one_appears():
    patient, tumor = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    first = open_item(patient)
    study = ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 6, 10))
    refresh_surveillance(as_of=dt.date(2020, 6, 12))
    first.refresh_from_db()
    assert first.state == ItemState.COMPLETED and first.completed_by == study
    assert open_item(patient).due_date == dt.date(2020, 9, 10)


def test_a_scheduled_item_stays_scheduled_until_its_date_is_a_month_past():
    patient, _ = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    item_schedule(
        item_id=open_item(patient).pk,
        scheduled_date=dt.date(2020, 6, 25),
        user=None,
        as_of=dt.date(2020, 6, 1),
    )
    refresh_surveillance(as_of=dt.date(2020, 7, 20))
    assert open_item(patient).state == ItemState.SCHEDULED
    refresh_surveillance(as_of=dt.date(2020, 7, 30))
    assert open_item(patient).state == ItemState.OVERDUE


def test_not_needed_keeps_the_reason_and_the_next_item_counts_from_its_due_date():
    patient, _ = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    item = open_item(patient)
    item_not_needed(
        item_id=item.pk, reason="Done abroad, report pending", user=None, as_of=dt.date(2020, 6, 1)
    )
    item.refresh_from_db()
    assert item.state == ItemState.NOT_NEEDED and item.not_needed_reason == "Done abroad, report pending"
    assert open_item(patient).due_date == dt.date(2020, 9, 20)


def test_completing_with_a_study_early_in_the_window_counts_the_next_item_from_the_study():
    patient, _ = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    item = open_item(patient)  # due 2020-06-20, window opens 2020-05-21
    item_complete(
        item_id=item.pk,
        user=None,
        as_of=dt.date(2020, 6, 1),
        study_date=dt.date(2020, 5, 25),
        modality="ct",
        region="chest",
        result="ned",
    )
    item.refresh_from_db()
    assert item.state == ItemState.COMPLETED
    assert open_item(patient).due_date == dt.date(2020, 8, 25)  # study + 3 months, not due date + 3


def test_completing_with_a_study_from_before_the_window_is_refused_on_the_field():
    from django.core.exceptions import ValidationError

    patient, tumor = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    item = open_item(patient)
    earlier = ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 5, 1))  # window opens 2020-05-21
    with pytest.raises(ValidationError) as refused:
        item_complete(item_id=item.pk, user=None, as_of=dt.date(2020, 6, 1), study_id=earlier.pk)
    assert "study" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        item_complete(
            item_id=item.pk,
            user=None,
            as_of=dt.date(2020, 6, 1),
            study_date=dt.date(2020, 5, 20),
            modality="ct",
            region="chest",
            result="ned",
        )
    assert "study_date" in refused.value.message_dict
    item.refresh_from_db()
    assert item.state == ItemState.UPCOMING and ImagingStudy.objects.filter(tumor=tumor).count() == 1


def test_a_recurrence_switches_the_patient_to_the_active_disease_plan():
    patient, tumor = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2021, 1, 1))
    assert open_item(patient).plan.code == "standard"
    DiseaseEventFactory(tumor=tumor, date=dt.date(2021, 1, 10))
    refresh_surveillance(as_of=dt.date(2021, 1, 12))
    item = open_item(patient)
    assert item.plan.code == "active_disease" and "recurrence" in item.plan_reason


def test_ongoing_systemic_therapy_means_active_disease_and_its_end_returns_to_the_rules():
    patient, tumor = patient_with_tumor()
    TreatmentFactory(tumor=tumor, start_date=dt.date(2020, 4, 1), end_date=dt.date(2021, 4, 1))
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    assert open_item(patient).plan.code == "active_disease"
    refresh_surveillance(as_of=dt.date(2021, 5, 1))
    assert open_item(patient).plan.code == "standard"


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(follow_up_status="transferred"), "transferred"),
        (dict(follow_up_status="lost"), "lost to follow-up"),
        (dict(consent_status="withdrawn"), "consent withdrawn"),
        (dict(vital_status=0, date_of_death=dt.date(2020, 5, 1)), "died"),
    ],
)
def test_surveillance_stops_and_the_open_item_is_closed_with_the_reason(change, reason):
    patient, _ = patient_with_tumor()
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    item = open_item(patient)
    type(patient).objects.filter(pk=patient.pk).update(**change)
    refresh_surveillance(as_of=dt.date(2020, 6, 2))
    item.refresh_from_db()
    assert item.state == ItemState.NOT_NEEDED and reason in item.not_needed_reason
    assert not SurveillanceItem.objects.filter(
        patient=patient, state__in=["planned", "upcoming", "due"]
    ).exists()


def test_surveillance_ends_after_the_last_phase():
    patient, tumor = patient_with_tumor(resection=dt.date(2010, 1, 15))
    ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 1, 20))  # month 120
    refresh_surveillance(as_of=dt.date(2020, 2, 1))
    assert not SurveillanceItem.objects.filter(patient=patient, state="planned").exists()


def test_an_abdominal_r1_tumor_is_high_risk_and_a_bladder_tumor_adds_cystoscopy():
    abdominal, _ = patient_with_tumor(site="C48.1", margin="R1")
    bladder, _ = patient_with_tumor(site="C67.2")
    refresh_surveillance(as_of=dt.date(2020, 6, 1))
    item = open_item(abdominal)
    assert item.plan.code == "high_risk" and "R1" in item.plan_reason
    assert item.modality == "CT or MRI of abdomen and pelvis"
    assert open_item(bladder).modality == "Ultrasound or MRI, plus cystoscopy"


def test_an_administrators_override_replaces_the_rule_based_plan(registry_admin):
    from outcomes.surveillance.services import plan_override_set

    patient, _ = patient_with_tumor()
    high = SurveillancePlan.objects.get(code="high_risk")
    plan_override_set(
        patient_id=patient.pk,
        plan_id=high.pk,
        reason="Steering committee",
        user=registry_admin,
        as_of=dt.date(2020, 6, 1),
    )
    item = open_item(patient)
    assert item.plan == high and item.plan_reason == "Set by an administrator"
    assert PlanOverride.objects.get(patient=patient).history.first().history_user == registry_admin


def test_default_plans_load_idempotently_and_keep_an_administrators_edit():
    standard = SurveillancePlan.objects.get(code="standard")
    phase = standard.phases.get(from_month=60)
    phase.interval_months = 6
    phase.save()
    assert plans_ensure_defaults() == []
    assert SurveillancePlan.objects.count() == 3
    assert standard.phases.get(from_month=60).interval_months == 6


def test_the_daily_beat_task_exists_once():
    from django_celery_beat.models import PeriodicTask

    from outcomes.surveillance.services import beat_schedule_ensure

    beat_schedule_ensure()
    assert PeriodicTask.objects.filter(task="outcomes.surveillance.tasks.surveillance_daily").count() == 1


def test_refresh_query_count_is_the_same_for_n_and_10n_patients():
    def measure(count):
        for _ in range(count):
            patient, tumor = patient_with_tumor()
            ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 6, 10))
        SurveillanceItem.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            refresh_surveillance(as_of=dt.date(2020, 7, 1))
        return len(queries)

    small = measure(2)
    large = measure(18)  # 20 patients now: 10N
    assert small == large


def test_saving_an_imaging_study_refreshes_the_patient_at_once(django_capture_on_commit_callbacks):
    patient, tumor = patient_with_tumor()
    first = SurveillanceItem.objects.get(patient=patient, due_date=DUE)
    with django_capture_on_commit_callbacks(execute=True):
        ImagingStudy.objects.create(
            tumor=tumor, date=dt.date(2020, 6, 5), purpose="surveillance", modality="ct", result="ned"
        )
    first.refresh_from_db()
    assert first.state == ItemState.COMPLETED
    assert SurveillanceItem.objects.filter(patient=patient, due_date=dt.date(2020, 9, 5)).exists()
