"""Production settings refuse to start without their secrets and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_check(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    base.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(ALLOWED_HOSTS="registry.example.org", DATABASE_URL="postgres://u@127.0.0.1/x")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts_or_database():
    assert "ALLOWED_HOSTS" in run_check(SECRET_KEY="x" * 60, DATABASE_URL="postgres://u@127.0.0.1/x").stderr
    assert "DATABASE_URL" in run_check(SECRET_KEY="x" * 60, ALLOWED_HOSTS="registry.example.org").stderr


def test_production_passes_the_deployment_checks():
    result = run_check(
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="registry.example.org",
        DATABASE_URL="postgres://u@127.0.0.1/x",
    )
    assert result.returncode == 0, result.stdout + result.stderr
