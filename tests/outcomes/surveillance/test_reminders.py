"""Reminder rows and digests: one per stage, no identifiers, sent once, SMTP failure leaves rows pending,
one refused recipient does not hold back the others, a resend after a crash keeps its Message-ID."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.utils import timezone

from outcomes.surveillance.models import Reminder, ReminderStatus
from outcomes.surveillance.reminders import (
    DeliveryIncomplete,
    reminders_create,
    reminders_send,
)
from outcomes.surveillance.services import refresh_surveillance
from tests.factories import UserFactory
from tests.outcomes.surveillance.helpers import patient_with_tumor

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2020, 9, 25)  # items due 2020-06-20: escalated


def _patients():
    coordinator = UserFactory(username="coord-a", email="coord-a@example.org")
    mine, _ = patient_with_tumor(
        coordinator=coordinator,
        last_name="Quixotez",
        first_name="Wilhelmina",
        phone="+1 555 0199",
        guardian_name="Bartholomew Quixotez",
        email="family@example.net",
        date_of_birth=dt.date(2012, 6, 1),
    )
    orphan, _ = patient_with_tumor(resection=dt.date(2020, 8, 1), last_name="Zebulonova")
    return mine, orphan


def test_each_coordinator_gets_one_digest_without_identifiers_and_a_rerun_sends_nothing():
    mine, orphan = _patients()
    call_command("send_reminders", as_of=AS_OF.isoformat())
    assert len(mail.outbox) == 1  # orphan's first item is only planned (due 2020-11-01)
    message = mail.outbox[0]
    assert message.to == ["coord-a@example.org"] and message.cc == ["escalation@imt-registry.invalid"]
    body = message.body + message.alternatives[0][0] + message.subject + str(message.extra_headers)
    assert f"{mine.registry_number:08d}" in body and "2020-06-20" in body and "Escalated" in body
    assert "/outcomes/surveillance/worklist/" in body
    for secret in (
        "Quixotez",
        "Wilhelmina",
        "0199",
        "Bartholomew",
        "family@",
        "2012-06-01",
        mine.medical_record_number,
    ):
        assert secret not in body
    call_command("send_reminders", as_of=AS_OF.isoformat())
    assert len(mail.outbox) == 1


def test_patients_without_a_coordinator_go_to_the_default_address_and_are_marked():
    _, orphan = _patients()
    refresh_surveillance(as_of=dt.date(2020, 10, 15))
    reminders_create(as_of=dt.date(2020, 10, 15))
    reminders_send(as_of=dt.date(2020, 10, 15))
    to_default = [m for m in mail.outbox if m.to == ["coordinators@imt-registry.invalid"]]
    assert len(to_default) == 1 and "no coordinator assigned" in to_default[0].body


def test_a_new_stage_is_a_new_reminder_and_the_message_id_is_stable_per_rows():
    mine, _ = _patients()
    for day in (dt.date(2020, 6, 1), dt.date(2020, 6, 1), dt.date(2020, 6, 25)):
        refresh_surveillance(as_of=day)
        reminders_create(as_of=day)
    assert sorted(Reminder.objects.filter(patient=mine).values_list("stage", flat=True)) == [
        "due",
        "upcoming",
    ]
    reminders_send(as_of=dt.date(2020, 6, 25))
    # The upcoming row is stale (the item is due now): cancelled, not sent.
    sent = Reminder.objects.get(patient=mine, status=ReminderStatus.SENT)
    assert sent.stage == "due"
    assert Reminder.objects.get(patient=mine, stage="upcoming").status == ReminderStatus.CANCELLED
    message = next(m for m in mail.outbox if m.to == ["coord-a@example.org"])
    assert message.extra_headers["Message-ID"] == sent.message_id


def test_an_smtp_failure_leaves_the_rows_pending_for_the_retry():
    _patients()
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPDataError(451, b"try later"),
    ):
        with pytest.raises(DeliveryIncomplete):  # the task retries with backoff on this
            reminders_send(as_of=AS_OF)
    row = Reminder.objects.get()
    assert row.status == ReminderStatus.PENDING and row.attempts == 1 and row.last_error == "SMTP 451"
    assert reminders_send(as_of=AS_OF).sent_rows == 1


def test_dry_run_prints_the_digest_and_sends_nothing(capsys):
    _patients()
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    call_command("send_reminders", as_of=AS_OF.isoformat(), dry_run=True)
    assert "Escalated" in capsys.readouterr().out
    assert mail.outbox == [] and Reminder.objects.get().status == ReminderStatus.PENDING


def test_the_task_body_retries_with_capped_exponential_backoff(settings):
    from outcomes.surveillance.tasks import retry_countdown

    settings.REMINDER_RETRY_BASE_SECONDS, settings.REMINDER_RETRY_MAX_SECONDS = 60, 600
    assert [retry_countdown(n) for n in range(6)] == [60, 120, 240, 480, 600, 600]


def test_a_claim_past_its_lease_is_swept_and_sent():
    from django.utils import timezone

    _patients()
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    Reminder.objects.update(
        status=ReminderStatus.CLAIMED,
        claim_token="dead-worker",
        claimed_until=timezone.now() + dt.timedelta(minutes=5),
    )
    assert reminders_send(as_of=AS_OF).sent_rows == 0  # the lease still holds
    Reminder.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert reminders_send(as_of=AS_OF).sent_rows == 1


def _refusing(address, code):
    """The locmem backend, except that the server refuses one recipient with `code`."""
    deliver = EmailBackend.send_messages

    def send_messages(backend, messages):
        for message in messages:
            if address in message.to:
                raise smtplib.SMTPRecipientsRefused({address: (code, b"5.1.1 mailbox unavailable")})
        return deliver(backend, messages)

    return mock.patch.object(EmailBackend, "send_messages", autospec=True, side_effect=send_messages)


def test_a_refused_recipient_does_not_hold_back_the_others_and_its_rows_fail_after_three_attempts(
    caplog, registry_admin
):
    from django.test import Client

    for name in ("coord-a", "coord-b", "coord-c"):  # coord-a sorts first: it used to block the others
        patient_with_tumor(coordinator=UserFactory(username=name, email=f"{name}@example.org"))
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    with _refusing("coord-a@example.org", 550):
        for attempt in (1, 2):
            with pytest.raises(DeliveryIncomplete) as incomplete:
                reminders_send(as_of=AS_OF)
            refused = Reminder.objects.get(recipient="coord-a@example.org")
            assert refused.status == ReminderStatus.PENDING and refused.attempts == attempt
        assert sorted(m.to[0] for m in mail.outbox) == ["coord-b@example.org", "coord-c@example.org"]
        assert reminders_send(as_of=AS_OF).failed_rows == 1  # third refusal: failed, no retry asked
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.last_error) == (ReminderStatus.FAILED, 3, "SMTP 550")
    assert len(mail.outbox) == 2 and reminders_send(as_of=AS_OF).claimed == 0  # it blocks nothing now
    assert "coord-a" not in caplog.text + str(incomplete.value)
    assert "coordinator address not delivered (SMTP 550): 1 rows" in caplog.text
    admin = Client()
    admin.force_login(registry_admin)
    page = admin.get("/admin/surveillance/reminder/?status=failed")
    assert page.status_code == 200 and b"Failed (refused by the mail server)" in page.content


def test_a_451_for_one_recipient_leaves_its_rows_pending_and_the_others_are_sent():
    for name in ("coord-a", "coord-b"):
        patient_with_tumor(coordinator=UserFactory(username=name, email=f"{name}@example.org"))
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    with _refusing("coord-a@example.org", 451):
        for _ in range(5):  # greylisting is never final
            with pytest.raises(DeliveryIncomplete):
                reminders_send(as_of=AS_OF)
    deferred = Reminder.objects.get(recipient="coord-a@example.org")
    assert deferred.status == ReminderStatus.PENDING and deferred.attempts == 5
    assert [m.to for m in mail.outbox] == [["coord-b@example.org"]]
    assert reminders_send(as_of=AS_OF).sent_rows == 1


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no handler in the sender runs."""


def test_a_resend_after_a_crash_between_acceptance_and_commit_keeps_the_message_id_and_new_rows_go_apart():
    coordinator = UserFactory(username="coord-a", email="coord-a@example.org")
    first, _ = patient_with_tumor(coordinator=coordinator)
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    with mock.patch("outcomes.surveillance.reminders._mark_sent", side_effect=WorkerKilled):
        with pytest.raises(WorkerKilled):
            reminders_send(as_of=AS_OF)  # the server accepted the digest; our commit never happened
    accepted_id = mail.outbox[0].extra_headers["Message-ID"]
    assert Reminder.objects.get(patient=first).status == ReminderStatus.CLAIMED

    later, _ = patient_with_tumor(coordinator=coordinator, resection=dt.date(2020, 6, 1))  # due 2020-09-01
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    Reminder.objects.filter(status=ReminderStatus.CLAIMED).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )  # the dead worker's lease ran out
    assert reminders_send(as_of=AS_OF).sent_rows == 2

    resent, fresh = sorted(mail.outbox[1:], key=lambda m: m.extra_headers["Message-ID"] != accepted_id)
    assert resent.extra_headers["Message-ID"] == accepted_id
    assert f"{first.registry_number:08d}" in resent.body and f"{later.registry_number:08d}" not in resent.body
    assert fresh.extra_headers["Message-ID"] != accepted_id and f"{later.registry_number:08d}" in fresh.body
    assert Reminder.objects.get(patient=first).message_id == accepted_id
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}


def test_a_lost_connection_stops_the_run_and_keeps_the_digest_key_for_the_resend():
    for name in ("coord-a", "coord-b"):
        patient_with_tumor(coordinator=UserFactory(username=name, email=f"{name}@example.org"))
    refresh_surveillance(as_of=AS_OF)
    reminders_create(as_of=AS_OF)
    with mock.patch.object(EmailBackend, "send_messages", side_effect=ConnectionResetError) as send:
        with pytest.raises(DeliveryIncomplete):
            reminders_send(as_of=AS_OF)
    assert send.call_count == 1  # the second digest is not tried against a dead server
    keyed = dict(Reminder.objects.values_list("recipient", "message_id"))
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.PENDING}
    assert reminders_send(as_of=AS_OF).sent_rows == 2
    assert {m.to[0]: m.extra_headers["Message-ID"] for m in mail.outbox} == keyed
