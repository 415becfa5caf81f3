"""Digest delivery with a real Celery worker, the Redis broker (db 7), PostgreSQL and a loopback SMTP server
that refuses the first DATA commands: concurrent runs, a rerun and a killed worker each deliver every
reminder, and no Message-ID twice; no sent message carries an identifier."""

import datetime as dt
import email
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.utils import timezone

from outcomes.surveillance.models import Reminder, ReminderStatus
from registry.models import Patient
from tests.factories import UserFactory
from tests.outcomes.surveillance.helpers import patient_with_tumor
from tests.workers import broker_url, kill_worker, start_worker, worker_environment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.smtp,
]

REDIS_DB = 7
AS_OF = "2020-09-25"  # every item (due 2020-06-20) is escalated
ROOT = Path(__file__).resolve().parents[3]


class RefusingHandler:
    """Answers 451 to the first `refusals` DATA commands, then accepts and keeps each message."""

    def __init__(self, refusals: int):
        self.refusals = refusals
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals > 0:
                self.refusals -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = RefusingHandler(refusals=2)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def _broker_url() -> str:
    return broker_url(REDIS_DB)


@pytest.fixture
def broker():
    client = redis.Redis.from_url(_broker_url())
    client.flushdb()
    yield client
    client.flushdb()


class Workers:
    """Start and kill private worker processes (each in its own process group)."""

    def __init__(self, smtp_port: int):
        self.env = worker_environment(
            redis_db=REDIS_DB,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp_port,
            EMAIL_TIMEOUT=10,
            REMINDER_RETRY_BASE_SECONDS=1,
            REMINDER_RETRY_MAX_SECONDS=2,
        )
        self.processes = []

    def start(self, **extra_env) -> subprocess.Popen:
        process = start_worker(
            {**self.env, **{k: str(v) for k, v in extra_env.items()}},
            name=f"w{len(self.processes)}",
            extra_args=("-l", "warning", "-c", "2"),
        )
        self.processes.append(process)
        return process

    def kill(self, process) -> None:
        kill_worker(process)

    def stop_all(self) -> None:
        for process in self.processes:
            self.kill(process)


@pytest.fixture
def workers(smtp_server, broker):
    controller, _ = smtp_server
    pool = Workers(controller.port)
    try:
        yield pool
    finally:
        pool.stop_all()


def _wait_for(condition, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _run_daily() -> None:
    """Publish the beat task to the private broker database (not the settings' default one)."""
    from config.celery import app
    from outcomes.surveillance.tasks import surveillance_daily

    with app.connection_for_write(_broker_url()) as conn:
        surveillance_daily.apply_async(args=[AS_OF], connection=conn)


def _all_sent() -> bool:
    return not Reminder.objects.exclude(status=ReminderStatus.SENT).exists() and Reminder.objects.exists()


def _queue_idle(broker) -> bool:
    # Nothing waiting in the queue and nothing delivered-but-unacked (a task still running or retrying).
    return broker.llen("celery") == 0 and broker.hlen("unacked") == 0 and broker.zcard("unacked_index") == 0


def _build_patients():
    secrets = []
    for n in range(3):
        coordinator = UserFactory(username=f"coord{n}", email=f"coord{n}@example.org")
        for m in range(2):
            patient, _ = patient_with_tumor(
                coordinator=coordinator if m == 0 or n != 2 else None,
                last_name=f"Surnamez{n}{m}",
                first_name=f"Givenname{n}{m}",
                phone=f"+1 555 01{n}{m}",
                guardian_name=f"Guardianus{n}{m}",
                guardian_phone=f"+1 555 02{n}{m}",
                email=f"fam{n}{m}@example.net",
                date_of_birth=dt.date(2010, 1 + n, 10 + m),
            )
            secrets += [
                patient.last_name,
                patient.first_name,
                patient.phone,
                patient.guardian_name,
                patient.guardian_phone,
                patient.email,
                patient.medical_record_number,
                patient.date_of_birth.isoformat(),
                patient.date_of_birth.strftime("%m/%d/%Y"),
            ]
    return secrets


def _assert_delivered_once_without_identifiers(handler, secrets):
    ids = [" ".join(email.message_from_string(raw)["Message-ID"].split()) for raw in handler.messages]
    assert len(ids) == len(set(ids)), "a digest was sent twice"
    sent_ids = set(Reminder.objects.values_list("message_id", flat=True))
    assert sent_ids == set(ids)
    for raw in handler.messages:
        message = email.message_from_string(raw)
        text = raw + "".join(
            part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()
        )
        for secret in secrets:
            assert secret not in text


def test_two_concurrent_runs_and_a_rerun_deliver_every_reminder_once(workers, smtp_server, broker):
    _, handler = smtp_server
    secrets = _build_patients()
    workers.start()
    _run_daily()
    _run_daily()
    _wait_for(_all_sent, what="every reminder sent")
    _wait_for(lambda: _queue_idle(broker), what="the worker to go idle")
    assert Reminder.objects.count() == Patient.objects.count() == 6
    delivered = len(handler.messages)
    assert delivered == 4  # three coordinators and the default address

    _run_daily()  # rerun
    _wait_for(lambda: _queue_idle(broker), what="the rerun")
    assert len(handler.messages) == delivered
    _assert_delivered_once_without_identifiers(handler, secrets)


def test_a_worker_killed_after_claiming_is_swept_by_the_next_run(workers, smtp_server, broker):
    _, handler = smtp_server
    secrets = _build_patients()
    first = workers.start(REMINDER_PAUSE_AFTER_CLAIM_SECONDS=120, REMINDER_LEASE_SECONDS=3)
    _run_daily()
    _wait_for(lambda: Reminder.objects.filter(status=ReminderStatus.CLAIMED).count() == 6, what="the claim")
    workers.kill(first)
    assert handler.messages == []

    broker.flushdb()  # the killed worker's unacked message would only return after the visibility timeout
    workers.start(REMINDER_LEASE_SECONDS=3)
    _wait_for(
        lambda: not Reminder.objects.filter(claimed_until__gte=timezone.now()).exists(),
        what="the dead worker's lease to run out",
    )
    _run_daily()  # the next beat run sweeps
    _wait_for(_all_sent, what="every reminder sent after the sweep")
    _wait_for(lambda: _queue_idle(broker), what="the worker to go idle")
    assert len(handler.messages) == 4
    _assert_delivered_once_without_identifiers(handler, secrets)
