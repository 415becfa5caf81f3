"""Real Celery workers for integration tests: private processes against the test database and a
private Redis database number, each in its own process group so a kill takes the whole pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def broker_url(redis_db: int) -> str:
    """The configured broker with a test's own database number (flushed by the test)."""
    return urlunparse(urlparse(settings.CELERY_BROKER_URL)._replace(path=f"/{redis_db}"))


def database_url_for_workers() -> str:
    """A URL for the database this test runs on: a worker sees only what the test has committed."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def worker_environment(*, redis_db: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_workers(),
        "CELERY_BROKER_URL": broker_url(redis_db),
        **{key: str(value) for key, value in extra.items()},
    }


def start_worker(
    env: dict[str, str], *, name: str, log=None, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group (pool children included) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)
