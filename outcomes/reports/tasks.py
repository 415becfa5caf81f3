"""Celery tasks for outcome reports: compute one stored report, queue the nightly one, sweep lost runs."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from outcomes.reports import services
from outcomes.reports.models import OutcomeReport

# Only a database that is briefly unreachable is worth retrying; everything else is recorded on the row.
TRANSIENT_ERRORS = (OperationalError,)
COMMON = dict(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)


@shared_task(name="outcomes.reports.compute_outcome_report", time_limit=1800, soft_time_limit=1700, **COMMON)
def compute_outcome_report(report_id: int) -> str:
    return services.report_compute(report_id=report_id)


@shared_task(
    name="outcomes.reports.queue_nightly_outcome_report", time_limit=60, soft_time_limit=50, **COMMON
)
def queue_nightly_outcome_report() -> int:
    report, _ = services.report_request(cut_off=timezone.localdate(), trigger=OutcomeReport.Trigger.NIGHTLY)
    return report.pk


@shared_task(name="outcomes.reports.sweep_outcome_reports", time_limit=120, soft_time_limit=100, **COMMON)
def sweep_outcome_reports() -> list[int]:
    return services.report_sweep()
