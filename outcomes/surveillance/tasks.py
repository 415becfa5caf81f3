"""Celery tasks: the daily refresh-and-remind run, and digest delivery with backoff on SMTP errors.

Tasks take JSON arguments (an ISO date), are idempotent (Reminder rows are the truth) and late-acked.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from outcomes.surveillance.reminders import (
    DeliveryIncomplete,
    reminders_create,
    reminders_send,
)
from outcomes.surveillance.services import refresh_surveillance


def _as_of(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else dt.date.today()


def retry_countdown(retries: int) -> int:
    """Exponential backoff, capped."""
    return min(settings.REMINDER_RETRY_BASE_SECONDS * 2**retries, settings.REMINDER_RETRY_MAX_SECONDS)


@shared_task(bind=True, acks_late=True, max_retries=10, soft_time_limit=600, time_limit=660)
def send_reminder_digests(self, as_of: str | None = None) -> int:
    """Claim pending reminder rows (and rows past their lease) and send the digests. reminders_send
    classifies SMTP errors itself (4xx, connection errors and timeouts are worth another try; a 5xx
    refusal fails the rows after a few attempts) and raises DeliveryIncomplete when rows wait for one."""
    try:
        return reminders_send(as_of=_as_of(as_of)).sent_rows
    except DeliveryIncomplete as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def surveillance_daily(as_of: str | None = None) -> None:
    """Beat task: refresh every schedule, add reminder rows for new stages, then send (which also sweeps
    rows left claimed past their lease by a killed worker)."""
    day = _as_of(as_of)
    refresh_surveillance(as_of=day)
    reminders_create(as_of=day)
    send_reminder_digests.delay_on_commit(day.isoformat())
