"""Reminder rows (the outbox) and coordinator digests: create, claim with a lease, send, sweep.

A digest carries registry numbers, due dates, modality and state and a link to the worklist; never
names, MRNs, birth dates or contact details. Rows get a digest key (and the Message-ID derived from it)
when first claimed; a resend of rows left claimed past their lease (a crash between the mail server's
acceptance and our commit) regroups them by that key, so it is recognisably the same message.

Each digest is sent on its own: an error for one recipient does not hold back the others. 4xx replies,
connection errors and timeouts are transient (rows pending, the task retries); a 5xx refusal counts an
attempt and, after REMINDER_MAX_ATTEMPTS, marks the digest's rows failed (visible in the admin). Logs
name only the recipient's role and a row count, never an address or patient data.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import MD5, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from outcomes.surveillance.models import (
    REMINDER_STAGES,
    ItemState,
    Reminder,
    ReminderStatus,
    SurveillanceItem,
)

logger = logging.getLogger(__name__)
CREATE_CHUNK = 2000
STAGE_ORDER = {ItemState.ESCALATED: 0, ItemState.OVERDUE: 1, ItemState.DUE: 2, ItemState.UPCOMING: 3}


def reminders_create(*, as_of: dt.date) -> int:
    """One Reminder row per open item in a reminder stage; a row that exists already stays as it is."""
    rows = (
        SurveillanceItem.objects.filter(state__in=REMINDER_STAGES)
        .order_by("pk")
        .values_list(
            "pk",
            "patient_id",
            "due_date",
            "state",
            "modality",
            "patient__coordinator_id",
            "patient__coordinator__email",
        )
    )
    created = 0
    batch = []
    for pk, patient_id, due_date, state, modality, coordinator_id, email in rows.iterator(
        chunk_size=CREATE_CHUNK
    ):
        has_coordinator = bool(coordinator_id and email)
        batch.append(
            Reminder(
                patient_id=patient_id,
                item_id=pk,
                due_date=due_date,
                stage=state,
                modality=modality,
                recipient=email if has_coordinator else settings.SURVEILLANCE_DEFAULT_COORDINATOR_EMAIL,
                has_coordinator=has_coordinator,
            )
        )
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
    role: str = "coordinator"


@dataclass
class SendResult:
    claimed: int = 0
    sent_rows: int = 0
    cancelled: int = 0
    retry_rows: int = 0  # left pending for another attempt
    failed_rows: int = 0  # refused for good
    digests: list[Digest] = field(default_factory=list)


class DeliveryIncomplete(Exception):
    """Some digests were not delivered and their rows wait for another attempt: the task retries.
    The message carries counts and SMTP codes only (Celery logs it), never an address."""


MESSAGE_ID_PREFIX = "<surveillance-reminders."


def _domain() -> str:
    return urlparse(settings.REGISTRY_SITE_URL).hostname or "imt-registry"


def message_id_for(digest_key: str) -> str:
    return f"{MESSAGE_ID_PREFIX}{digest_key}@{_domain()}>"


def _row_values(queryset):
    return list(
        queryset.order_by("pk").values(
            "pk",
            "due_date",
            "stage",
            "modality",
            "recipient",
            "has_coordinator",
            "patient__registry_number",
            "item__state",
            "item__due_date",
            "digest_key",
            "message_id",
        )
    )


def recipient_role(address: str) -> str:
    """What a log line may say about a recipient: its role, never the address."""
    if address == settings.SURVEILLANCE_ESCALATION_EMAIL:
        return "escalation"
    if address == settings.SURVEILLANCE_DEFAULT_COORDINATOR_EMAIL:
        return "default"
    return "coordinator"


def build_digests(rows: list[dict], *, as_of: dt.date) -> list[Digest]:
    """One digest per recipient and digest key (rows not yet keyed, in a preview, form one per recipient);
    escalated items also go to the escalation address (Cc)."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row["recipient"], row.get("digest_key", ""))].append(row)
    worklist = settings.REGISTRY_SITE_URL.rstrip("/") + reverse("surveillance:worklist")
    digests = []
    for (recipient, key), group in sorted(groups.items()):
        group.sort(
            key=lambda r: (STAGE_ORDER.get(r["stage"], 9), r["due_date"], r["patient__registry_number"])
        )
        lines = [
            {
                "registry_number": f"{r['patient__registry_number']:08d}",
                "due_date": r["due_date"].isoformat(),
                "modality": r["modality"],
                "stage": ItemState(r["stage"]).label,
                "days_late": max((as_of - r["due_date"]).days, 0),
                "no_coordinator": not r["has_coordinator"],
            }
            for r in group
        ]
        counts = defaultdict(int)
        for r in group:
            counts[ItemState(r["stage"]).label] += 1
        escalated = counts.get(ItemState.ESCALATED.label, 0)
        context = {
            "lines": lines,
            "worklist_url": worklist,
            "as_of": as_of.isoformat(),
            "counts": sorted(counts.items()),
        }
        summary = ", ".join(f"{n} {label.lower()}" for label, n in sorted(counts.items()))
        digests.append(
            Digest(
                recipient=recipient,
                cc=[settings.SURVEILLANCE_ESCALATION_EMAIL] if escalated else [],
                row_ids=[r["pk"] for r in group],
                subject=f"IMT Registry surveillance reminders: {summary}",
                text=render_to_string("surveillance/email/digest.txt", context),
                html=render_to_string("surveillance/email/digest.html", context),
                message_id=message_id_for(key) if key else "",
                role=recipient_role(recipient),
            )
        )
    return digests


def reminders_preview(*, as_of: dt.date) -> list[Digest]:
    """What the next send would deliver (dry run): nothing is claimed or sent."""
    now = timezone.now()
    rows = _row_values(
        Reminder.objects.filter(
            Q(status=ReminderStatus.PENDING) | Q(status=ReminderStatus.CLAIMED, claimed_until__lt=now)
        ).filter(item__state=F("stage"), item__due_date=F("due_date"))
    )
    return build_digests(rows, as_of=as_of)


def reminders_claim(*, now: dt.datetime) -> tuple[str, list[dict], int]:
    """Claim pending rows and rows whose claim's lease has run out (a killed worker): each row goes to
    one sender at a time. Rows whose item has since moved to another state or due date (closed,
    scheduled, or a later stage with its own row) are cancelled, not sent. Claimed rows without a
    digest key get one per recipient; rows that have one keep it (they may have been delivered already)."""
    token = str(uuid.uuid4())
    lease = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=ReminderStatus.PENDING) | Q(status=ReminderStatus.CLAIMED, claimed_until__lt=now)
            )
            .values_list("pk", flat=True)
        )
        Reminder.objects.filter(pk__in=ids).update(
            status=ReminderStatus.CLAIMED,
            claim_token=token,
            claimed_until=now + lease,
        )
        stale = Reminder.objects.filter(claim_token=token).filter(
            Q(item__isnull=True) | ~Q(item__state=F("stage")) | ~Q(item__due_date=F("due_date"))
        )
        cancelled = Reminder.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(
            status=ReminderStatus.CANCELLED,
            claimed_until=None,
        )
        # One statement for every recipient: the key is a hash of this claim's token and the recipient.
        key = MD5(Concat(Value(token), F("recipient"), output_field=CharField()))
        Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED, digest_key="").update(
            digest_key=key,
            message_id=Concat(
                Value(MESSAGE_ID_PREFIX), key, Value(f"@{_domain()}>"), output_field=CharField()
            ),
        )
    rows = _row_values(Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED))
    return token, rows, cancelled


# Errors that say nothing about one recipient or message: the server is unreachable, dropped us, or
# refuses our session (sender, greeting, login). Every later digest would fail the same way.
CONNECTION_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    OSError,
)
SESSION_REPLIES = (smtplib.SMTPSenderRefused, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError)


def classify(exc: BaseException) -> tuple[str, str]:
    """(kind, code) for a delivery error. kind: 'session' (connection lost, timed out or refused for
    every message; ambiguous, as the server may have accepted the message before the link broke),
    'transient' (a 4xx reply about this message) or 'permanent' (a 5xx reply about this message).
    code is what the admin and the logs may show: an SMTP code or an error class, never an address.
    Anything else is not a delivery error and is raised again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        worst = min((code for code, _ in exc.recipients.values()), default=0)
        return ("permanent" if worst >= 500 else "transient"), f"SMTP {worst}"
    if isinstance(exc, SESSION_REPLIES):
        return "session", f"SMTP {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return ("permanent" if exc.smtp_code >= 500 else "transient"), f"SMTP {exc.smtp_code}"
    if isinstance(exc, CONNECTION_ERRORS + (smtplib.SMTPException,)):
        return "session", type(exc).__name__
    raise exc


def _refused_roles(exc: BaseException, digest: Digest) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return "/".join(sorted({recipient_role(a) for a in exc.recipients}))
    return digest.role


def _deliver(digest: Digest, connection) -> None:
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=digest.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.recipient],
        cc=digest.cc,
        headers={"Message-ID": digest.message_id},
        connection=connection,
    )
    message.attach_alternative(digest.html, "text/html")
    message.send()


def _mark_sent(digest: Digest, token: str) -> None:
    Reminder.objects.filter(pk__in=digest.row_ids, claim_token=token).update(
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
        message_id=digest.message_id,
        claimed_until=None,
        last_error="",
    )


def _release(digest: Digest, token: str, *, kind: str, code: str) -> tuple[int, int]:
    """Count an attempt on one digest's rows: pending again, or failed once a refusal has used up the
    attempts. Returns (left pending, failed)."""
    rows = Reminder.objects.filter(pk__in=digest.row_ids, claim_token=token, status=ReminderStatus.CLAIMED)
    failed = 0
    if kind == "permanent":
        failed = rows.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS - 1).update(
            status=ReminderStatus.FAILED,
            claimed_until=None,
            attempts=F("attempts") + 1,
            last_error=code,
        )
    # A reply (4xx/5xx) means the server did not take the message: the rows may join a new digest.
    # A broken connection is ambiguous: keep the key, so a resend reuses the Message-ID.
    rekey = {"digest_key": "", "message_id": ""} if kind != "session" else {}
    pending = rows.update(
        status=ReminderStatus.PENDING,
        claimed_until=None,
        attempts=F("attempts") + 1,
        last_error=code,
        **rekey,
    )
    return pending, failed


def reminders_send(*, as_of: dt.date, now: dt.datetime | None = None) -> SendResult:
    """Claim, build the digests, send each on its own and mark its rows sent. An error for one digest
    releases only that digest's rows and the others still go out; a lost connection stops the run
    (every later digest would fail the same way). A worker killed mid-run leaves its rows claimed;
    the next run sweeps them once the lease is past. Raises DeliveryIncomplete at the end if rows were
    left pending, so the task retries with backoff."""
    now = now or timezone.now()
    token, rows, cancelled = reminders_claim(now=now)
    result = SendResult(claimed=len(rows), cancelled=cancelled)
    if not rows:
        return result
    pause = getattr(settings, "REMINDER_PAUSE_AFTER_CLAIM_SECONDS", 0)
    if pause:  # test hook: lets a fault test kill the worker between claim and send
        time.sleep(pause)
    codes = set()
    connection = get_connection(fail_silently=False)
    digests = build_digests(rows, as_of=as_of)
    try:
        for position, digest in enumerate(digests):
            try:
                _deliver(digest, connection)
            except Exception as exc:
                kind, code = classify(exc)
                codes.add(code)
                if kind == "session":
                    for unsent in digests[position:]:
                        pending, _ = _release(unsent, token, kind=kind, code=code)
                        result.retry_rows += pending
                    logger.warning(
                        "Reminder delivery stopped (%s); %d rows left pending for a retry",
                        code,
                        result.retry_rows,
                    )
                    break
                pending, failed = _release(digest, token, kind=kind, code=code)
                result.retry_rows += pending
                result.failed_rows += failed
                logger.warning(
                    "Reminder digest to the %s address not delivered (%s): %d rows pending, %d failed",
                    _refused_roles(exc, digest),
                    code,
                    pending,
                    failed,
                )
                connection.close()  # the session may be in an odd state after a refusal: start afresh
                continue
            _mark_sent(digest, token)
            result.sent_rows += len(digest.row_ids)
            result.digests.append(digest)
    except Exception:
        # Anything unforeseen (a bug, a database error): leave the unsent rows pending with their key.
        Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED).update(
            status=ReminderStatus.PENDING,
            claimed_until=None,
            attempts=F("attempts") + 1,
        )
        raise
    finally:
        connection.close()
    if result.retry_rows:
        raise DeliveryIncomplete(
            f"{result.retry_rows} reminder rows left pending for a retry ({', '.join(sorted(codes))}); "
            f"{result.sent_rows} sent, {result.failed_rows} failed"
        )
    return result
