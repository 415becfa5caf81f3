"""A real worker on the real broker: killed mid-report, the run is swept as failed and a re-run succeeds."""

import subprocess
import time
from pathlib import Path

import pytest
import redis

from config.celery import app
from outcomes.reports import services
from outcomes.reports.models import OutcomeReport
from outcomes.reports.tasks import compute_outcome_report
from tests.outcomes.reports.conftest import CUT_OFF, build_registry
from tests.workers import broker_url, kill_worker, start_worker, worker_environment

REDIS_DB = 9
REPO = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _start_worker(log: Path, pause_flag: Path | None) -> subprocess.Popen:
    env = worker_environment(redis_db=REDIS_DB)
    env.pop(services.PAUSE_FLAG_ENV, None)
    if pause_flag:
        env[services.PAUSE_FLAG_ENV] = str(pause_flag)
    return start_worker(
        env,
        name="reports",
        log=log.open("w"),
        extra_args=("--pool=solo", "--concurrency=1", "--loglevel=INFO"),
    )


def _kill(worker: subprocess.Popen) -> None:
    kill_worker(worker)


def _send(report_id: int) -> None:
    with app.connection_for_write(broker_url(REDIS_DB)) as broker:
        compute_outcome_report.apply_async(args=[report_id], connection=broker)


def _wait_for(condition, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_report_is_swept_and_the_rerun_succeeds(tmp_path, monkeypatch):
    redis.Redis.from_url(broker_url(REDIS_DB)).flushdb()
    build_registry()
    queued = []
    monkeypatch.setattr(services, "_enqueue", queued.append)  # sent below to the test's own broker database
    report, _ = services.report_request(cut_off=CUT_OFF, strata=["all", "margin"])
    flag = tmp_path / "release-report"
    workers = []
    try:
        workers.append(_start_worker(tmp_path / "worker1.log", pause_flag=flag))
        _send(queued.pop())
        # The worker has computed everything and waits just before storing the results.
        _wait_for(lambda: Path(f"{flag}.waiting").exists(), "the worker to reach the pause point")
        running = OutcomeReport.objects.get(pk=report.pk)
        assert running.status == OutcomeReport.Status.RUNNING and running.progress > 0

        again, created = services.report_request(cut_off=CUT_OFF, strata=["all", "margin"])
        assert not created and again.pk == report.pk  # the lease: the running report is found

        _kill(workers[0])
        lost = OutcomeReport.objects.get(pk=report.pk)
        assert lost.status == OutcomeReport.Status.RUNNING and lost.results is None

        requeued = services.report_sweep(
            now=lost.lease_expires_at + (lost.lease_expires_at - lost.started_at)
        )
        lost.refresh_from_db()
        assert lost.status == OutcomeReport.Status.FAILED and lost.error_class == "LeaseExpired"
        assert lost.results is None and lost.fingerprint == ""

        workers.append(_start_worker(tmp_path / "worker2.log", pause_flag=None))
        _send(queued.pop())
        rerun = _wait_for(
            lambda: OutcomeReport.objects.filter(pk=requeued[0], status__in=["succeeded", "failed"]).first(),
            "the re-run to finish",
        )
        assert rerun.status == OutcomeReport.Status.SUCCEEDED, (tmp_path / "worker2.log").read_text()[-2000:]
        assert rerun.attempt == 2 and rerun.retry_of_id == report.pk

        # The stored report is the right one: the same figures as a report computed here.
        local, _ = services.report_request(cut_off=CUT_OFF, strata=["all", "margin"])
        services.report_compute(report_id=local.pk)
        local.refresh_from_db()
        assert rerun.fingerprint == local.fingerprint and rerun.results == local.results
    finally:
        for worker in workers:
            _kill(worker)
        redis.Redis.from_url(broker_url(REDIS_DB)).flushdb()
