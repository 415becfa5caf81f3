"""Reminder rows (the outbox) and coordinator digests: create, claim with a lease, send, sweep.

A digest carries registry numbers, due dates, modality and state and a link to the worklist; never
names, MRNs, birth dates or contact details. Its Message-ID is a hash of its sorted row ids, so a resend
after a crash between the mail server's acceptance and our commit is recognisably the same message.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from outcomes.surveillance.models import (
    ItemState, REMINDER_STAGES, Reminder, ReminderStatus, SurveillanceItem,
)

logger = logging.getLogger(__name__)
CREATE_CHUNK = 2000
STAGE_ORDER = {ItemState.ESCALATED: 0, ItemState.OVERDUE: 1, ItemState.DUE: 2, ItemState.UPCOMING: 3}


def reminders_create(*, as_of: dt.date) -> int:
    """One Reminder row per open item in a reminder stage; a row that exists already stays as it is."""
    rows = SurveillanceItem.objects.filter(state__in=REMINDER_STAGES).order_by("pk").values_list(
        "pk", "patient_id", "due_date", "state", "modality", "patient__coordinator_id", "patient__coordinator__email",
    )
    created = 0
    batch = []
    for pk, patient_id, due_date, state, modality, coordinator_id, email in rows.iterator(chunk_size=CREATE_CHUNK):
        has_coordinator = bool(coordinator_id and email)
        batch.append(Reminder(
            patient_id=patient_id, item_id=pk, due_date=due_date, stage=state, modality=modality,
            recipient=email if has_coordinator else settings.SURVEILLANCE_DEFAULT_COORDINATOR_EMAIL,
            has_coordinator=has_coordinator,
        ))
        if len(batch) >= CREATE_CHUNK:
            created += _insert(batch)
            batch = []
    if batch:
        created += _insert(batch)
    return created


def _insert(batch: list[Reminder]) -> int:
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(batch, ignore_conflicts=True)
    return Reminder.objects.count() - before


@dataclass
class Digest:
    recipient: str
    cc: list[str]
    row_ids: list[int]
    subject: str
    text: str
    html: str
    message_id: str


@dataclass
class SendResult:
    claimed: int = 0
    sent_rows: int = 0
    cancelled: int = 0
    digests: list[Digest] = field(default_factory=list)


def message_id_for(row_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(str(i) for i in sorted(row_ids)).encode()).hexdigest()[:40]
    domain = urlparse(settings.REGISTRY_SITE_URL).hostname or "imt-registry"
    return f"<surveillance-reminders.{digest}@{domain}>"


def _row_values(queryset):
    return list(queryset.order_by("pk").values(
        "pk", "due_date", "stage", "modality", "recipient", "has_coordinator", "patient__registry_number",
        "item__state", "item__due_date",
    ))


def build_digests(rows: list[dict], *, as_of: dt.date) -> list[Digest]:
    """One digest per recipient; escalated items also go to the escalation address (Cc)."""
    by_recipient = defaultdict(list)
    for row in rows:
        by_recipient[row["recipient"]].append(row)
    worklist = settings.REGISTRY_SITE_URL.rstrip("/") + reverse("surveillance:worklist")
    digests = []
    for recipient, group in sorted(by_recipient.items()):
        group.sort(key=lambda r: (STAGE_ORDER.get(r["stage"], 9), r["due_date"], r["patient__registry_number"]))
        lines = [{
            "registry_number": f"{r['patient__registry_number']:08d}",
            "due_date": r["due_date"].isoformat(),
            "modality": r["modality"],
            "stage": ItemState(r["stage"]).label,
            "days_late": max((as_of - r["due_date"]).days, 0),
            "no_coordinator": not r["has_coordinator"],
        } for r in group]
        counts = defaultdict(int)
        for r in group:
            counts[ItemState(r["stage"]).label] += 1
        escalated = counts.get(ItemState.ESCALATED.label, 0)
        context = {"lines": lines, "worklist_url": worklist, "as_of": as_of.isoformat(),
                   "counts": sorted(counts.items())}
        ids = [r["pk"] for r in group]
        summary = ", ".join(f"{n} {label.lower()}" for label, n in sorted(counts.items()))
        digests.append(Digest(
            recipient=recipient,
            cc=[settings.SURVEILLANCE_ESCALATION_EMAIL] if escalated else [],
            row_ids=ids,
            subject=f"IMT Registry surveillance reminders: {summary}",
            text=render_to_string("surveillance/email/digest.txt", context),
            html=render_to_string("surveillance/email/digest.html", context),
            message_id=message_id_for(ids),
        ))
    return digests


def reminders_preview(*, as_of: dt.date) -> list[Digest]:
    """What the next send would deliver (dry run): nothing is claimed or sent."""
    now = timezone.now()
    rows = _row_values(Reminder.objects.filter(
        Q(status=ReminderStatus.PENDING) | Q(status=ReminderStatus.CLAIMED, claimed_until__lt=now)
    ).filter(item__state=F("stage"), item__due_date=F("due_date")))
    return build_digests(rows, as_of=as_of)


def reminders_claim(*, now: dt.datetime) -> tuple[str, list[dict], int]:
    """Claim pending rows and rows whose claim's lease has run out (a killed worker): each row goes to
    one sender at a time. Rows whose item has since moved to another state or due date (closed,
    scheduled, or a later stage with its own row) are cancelled, not sent."""
    token = str(uuid.uuid4())
    lease = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(Reminder.objects.select_for_update(skip_locked=True).filter(
            Q(status=ReminderStatus.PENDING) | Q(status=ReminderStatus.CLAIMED, claimed_until__lt=now)
        ).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=ids).update(
            status=ReminderStatus.CLAIMED, claim_token=token, claimed_until=now + lease,
        )
        stale = Reminder.objects.filter(claim_token=token).filter(
            Q(item__isnull=True) | ~Q(item__state=F("stage")) | ~Q(item__due_date=F("due_date"))
        )
        cancelled = Reminder.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(
            status=ReminderStatus.CANCELLED, claimed_until=None,
        )
    rows = _row_values(Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED))
    return token, rows, cancelled


def reminders_send(*, as_of: dt.date, now: dt.datetime | None = None) -> SendResult:
    """Claim, build one digest per recipient, send each, mark its rows sent. An SMTP error releases the
    rows not yet sent (pending again, attempts + 1) and propagates so the task retries with backoff."""
    now = now or timezone.now()
    token, rows, cancelled = reminders_claim(now=now)
    result = SendResult(claimed=len(rows), cancelled=cancelled)
    if not rows:
        return result
    pause = getattr(settings, "REMINDER_PAUSE_AFTER_CLAIM_SECONDS", 0)
    if pause:  # test hook: lets a fault test kill the worker between claim and send
        time.sleep(pause)
    connection = get_connection(fail_silently=False)
    try:
        for digest in build_digests(rows, as_of=as_of):
            message = EmailMultiAlternatives(
                subject=digest.subject, body=digest.text, from_email=settings.DEFAULT_FROM_EMAIL,
                to=[digest.recipient], cc=digest.cc, headers={"Message-ID": digest.message_id},
                connection=connection,
            )
            message.attach_alternative(digest.html, "text/html")
            message.send()
            Reminder.objects.filter(pk__in=digest.row_ids, claim_token=token).update(
                status=ReminderStatus.SENT, sent_at=timezone.now(), message_id=digest.message_id,
                claimed_until=None,
            )
            result.sent_rows += len(digest.row_ids)
            result.digests.append(digest)
    except Exception:
        released = Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED).update(
            status=ReminderStatus.PENDING, claimed_until=None, attempts=F("attempts") + 1,
        )
        logger.warning("Reminder digest delivery failed; %d rows left pending for a retry", released)
        raise
    finally:
        connection.close()
    return result
