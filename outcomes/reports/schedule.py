"""The periodic tasks of outcome reports (django-celery-beat), created idempotently after migrations."""

from __future__ import annotations

NIGHTLY_NAME = "Nightly outcome report (whole registry)"
SWEEP_NAME = "Sweep lost outcome report runs"


def ensure_report_schedule() -> None:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.update_or_create(
        name=NIGHTLY_NAME,
        defaults={
            "task": "outcomes.reports.queue_nightly_outcome_report",
            "crontab": nightly,
            "interval": None,
        },
    )
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.update_or_create(
        name=SWEEP_NAME,
        defaults={"task": "outcomes.reports.sweep_outcome_reports", "interval": every_five, "crontab": None},
    )
