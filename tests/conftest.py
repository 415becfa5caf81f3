"""Shared fixtures: one user per role (made once per test), API clients, service checks."""

import os
import socket
from urllib.parse import urlparse

import pytest
from rest_framework.test import APIClient

from registry.roles import COORDINATOR, EPIDEMIOLOGIST, REGISTRAR, REGISTRY_ADMIN
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser here


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium and Playwright are both present."""
    import importlib.util

    if not os.path.exists(CHROMIUM):
        return f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    """Tests that need Redis or a browser skip locally when it is missing, and fail under CI=true."""
    from django.conf import settings

    if IN_CI:
        return  # under CI a missing broker or browser must fail the tests, not skip them
    if not _reachable(settings.CELERY_BROKER_URL):
        for item in items:
            if item.get_closest_marker("redis") or item.get_closest_marker("worker"):
                item.add_marker(pytest.mark.skip(reason="Redis broker not reachable at CELERY_BROKER_URL"))
    browser_missing = _browser_missing()
    if browser_missing:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=browser_missing))


@pytest.fixture
def registrar(db):
    return UserFactory(username="registrar", role=REGISTRAR)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", role=COORDINATOR)


@pytest.fixture
def epidemiologist(db):
    return UserFactory(username="epidemiologist", role=EPIDEMIOLOGIST, is_staff=False)


@pytest.fixture
def registry_admin(db):
    return UserFactory(username="registryadmin", role=REGISTRY_ADMIN)


@pytest.fixture
def role_users(registrar, coordinator, epidemiologist, registry_admin):
    return {
        "registrar": registrar,
        "coordinator": coordinator,
        "epidemiologist": epidemiologist,
        "admin": registry_admin,
    }


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
