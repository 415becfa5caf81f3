"""Report jobs: queueing with a lease, storing results atomically, failures recorded safely, the sweep."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from outcomes.cohorts.models import Cohort
from outcomes.reports import services
from outcomes.reports.models import OutcomeReport
from outcomes.reports.schedule import NIGHTLY_NAME, SWEEP_NAME, ensure_report_schedule
from tests.outcomes.reports.conftest import CUT_OFF

pytestmark = pytest.mark.django_db
STRATA = ["all", "margin"]


def _request(**kwargs):
    return services.report_request(cut_off=CUT_OFF, strata=STRATA, **kwargs)


def _after_lease():
    return timezone.now() + dt.timedelta(seconds=settings.REPORT_LEASE_SECONDS + 1)


def test_a_queued_report_is_sent_to_the_worker_after_commit(
    small_registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        report, created = _request()
    assert created and report.status == OutcomeReport.Status.PENDING
    assert len(callbacks) == 1
    assert report.lease_expires_at > timezone.now()


def test_a_second_request_for_the_same_parameters_finds_the_active_report(small_registry):
    first, _ = _request()
    second, created = _request()
    assert not created and second.pk == first.pk
    other_cut_off, created = services.report_request(cut_off=dt.date(2023, 12, 31), strata=STRATA)
    assert created and other_cut_off.pk != first.pk


def test_the_database_refuses_two_active_reports_with_the_same_parameters(small_registry):
    first, _ = _request()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomeReport.objects.create(
            cut_off=CUT_OFF, parameters_key=first.parameters_key, status=OutcomeReport.Status.RUNNING
        )


def test_a_finished_report_lets_the_same_parameters_run_again(small_registry):
    first, _ = _request()
    assert services.report_compute(report_id=first.pk) == "succeeded"
    again, created = _request()
    assert created and again.pk != first.pk


def test_a_computed_report_stores_results_fingerprint_version_and_timings(small_registry):
    report, _ = _request()
    assert services.report_compute(report_id=report.pk) == "succeeded"
    report.refresh_from_db()
    assert report.status == OutcomeReport.Status.SUCCEEDED and report.progress == 100
    assert len(report.fingerprint) == 64 and report.tumors == 28
    assert "numpy" in report.software_version
    assert report.queued_at <= report.started_at <= report.finished_at and report.run_seconds >= 0
    assert {t["stratum"] for t in report.results["tables"]} == set(STRATA)
    assert len(report.results["tables"]) == 5 * len(STRATA)


def test_a_redelivered_task_does_not_compute_a_finished_report_again(small_registry):
    report, _ = _request()
    services.report_compute(report_id=report.pk)
    finished = OutcomeReport.objects.get(pk=report.pk).finished_at
    assert services.report_compute(report_id=report.pk) == "not-pending"
    assert OutcomeReport.objects.get(pk=report.pk).finished_at == finished


def test_a_failure_stores_the_class_and_a_safe_message_never_the_raw_error(small_registry, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("DETAIL: Failing row contains (17, Smith, MRN0000042)")

    monkeypatch.setattr(services, "outcome_tables", broken)
    report, _ = _request()
    assert services.report_compute(report_id=report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == OutcomeReport.Status.FAILED and report.results is None
    assert report.error_class == "IntegrityError"
    assert "Smith" not in report.error_message and "MRN" not in report.error_message
    assert report.error_message == services.SAFE_GENERIC_MESSAGE


def _cohort(registrar, criteria=None):
    return Cohort.objects.create(
        name="Abdominal", owner=registrar, criteria=criteria or {"site_group": ["abdomen_pelvis"]}
    )


def test_a_cohort_report_with_criteria_no_longer_valid_fails_clearly(small_registry, registrar):
    report, _ = _request(cohort=_cohort(registrar, {"site_group": ["abdomen"]}))
    services.report_compute(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == OutcomeReport.Status.FAILED
    assert report.error_message == "the cohort's saved criteria are no longer valid"


def test_a_cohort_report_covers_only_the_cohort_tumors_and_keeps_its_criteria(small_registry, registrar):
    from registry.models import Tumor

    chosen = Tumor.objects.filter(site_group="abdomen_pelvis").count()
    cohort = _cohort(registrar)
    report, _ = _request(cohort=cohort)
    cohort.criteria = {"site_group": ["lung_thorax"]}  # later edits do not change a queued report
    cohort.save()
    services.report_compute(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == OutcomeReport.Status.SUCCEEDED
    assert report.scope == "cohort" and report.cohort_criteria == {"site_group": ["abdomen_pelvis"]}
    assert report.tumors == chosen == 22


def test_the_sweep_fails_a_lost_run_and_queues_a_new_attempt(
    small_registry, django_capture_on_commit_callbacks
):
    report, _ = _request()
    services.report_claim(report_id=report.pk)  # a worker took it, then died
    assert services.report_sweep() == []  # lease still running
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        requeued = services.report_sweep(now=_after_lease())
    report.refresh_from_db()
    assert report.status == OutcomeReport.Status.FAILED and report.error_class == "LeaseExpired"
    retry = OutcomeReport.objects.get(pk=requeued[0])
    assert (
        retry.attempt == 2 and retry.retry_of_id == report.pk and retry.status == OutcomeReport.Status.PENDING
    )
    assert len(callbacks) == 1
    assert services.report_compute(report_id=retry.pk) == "succeeded"


def test_a_late_finisher_cannot_overwrite_a_swept_report(small_registry, monkeypatch):
    report, _ = _request()
    real = services.rows_fingerprint

    def sweep_meanwhile(rows):
        services.report_sweep(now=_after_lease())  # the sweep decides this run is lost while it computes
        return real(rows)

    monkeypatch.setattr(services, "rows_fingerprint", sweep_meanwhile)
    assert services.report_compute(report_id=report.pk) == "superseded"
    report.refresh_from_db()
    assert (
        report.status == OutcomeReport.Status.FAILED and report.results is None and report.fingerprint == ""
    )


def test_the_sweep_gives_up_after_the_last_attempt(small_registry):
    report, _ = _request()
    for _ in range(services.MAX_ATTEMPTS):
        latest = OutcomeReport.objects.get(
            parameters_key=report.parameters_key, status__in=OutcomeReport.ACTIVE
        )
        services.report_claim(report_id=latest.pk)
        services.report_sweep(now=_after_lease())
    assert not OutcomeReport.objects.filter(status__in=OutcomeReport.ACTIVE).exists()
    assert OutcomeReport.objects.filter(status=OutcomeReport.Status.FAILED).count() == services.MAX_ATTEMPTS


def test_the_nightly_report_and_the_sweep_are_scheduled_once(db):
    ensure_report_schedule()
    ensure_report_schedule()
    tasks = PeriodicTask.objects.filter(name__in=[NIGHTLY_NAME, SWEEP_NAME])
    assert sorted(tasks.values_list("task", flat=True)) == [
        "outcomes.reports.queue_nightly_outcome_report",
        "outcomes.reports.sweep_outcome_reports",
    ]


def test_the_nightly_task_queues_a_whole_registry_report_for_today(small_registry):
    from outcomes.reports.tasks import queue_nightly_outcome_report

    report = OutcomeReport.objects.get(pk=queue_nightly_outcome_report.run())
    assert (
        report.scope == "registry" and report.cut_off == timezone.localdate() and report.trigger == "nightly"
    )


def test_progress_is_stored_on_the_row_while_computing(small_registry, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_MIN_INTERVAL_SECONDS", 0)
    seen = []
    real = services.outcome_tables

    def watching(rows, **kwargs):
        progress = kwargs["progress"]

        def spy(done, total):
            progress(done, total)
            seen.append(OutcomeReport.objects.get(pk=report.pk).progress)

        return real(rows, **{**kwargs, "progress": spy})

    monkeypatch.setattr(services, "outcome_tables", watching)
    report, _ = _request()
    services.report_compute(report_id=report.pk)
    assert seen[0] == 10 and seen[-1] == 99 and seen == sorted(seen)
