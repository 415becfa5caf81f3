"""Browser fixtures: Debian's headless Chromium driven by Playwright against pytest-django's live server.

Each test gets its own Chromium with a fresh profile (a second or so), so no cookie or cache crosses
journeys and Playwright's event loop never outlives the test that started it.
"""

import pytest
from django.db import connections

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "journey-Passw0rd"  # test-only password for the role users
TIMEOUT_MS = 10_000  # a step that takes longer than this is a failure, not a slow page


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM refuses to run beside a running
    # loop unless told it is safe. It is, here: the test and its fixtures use one connection in turn.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def page(django_db_setup, live_server, tmp_path):  # database first, so it outlives the server
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
            timezone_id="UTC",
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            # Connections opened while Playwright's loop ran live in this context's own slot, which
            # Django's teardown never sees: close them here or the test database cannot be dropped.
            connections.close_all()
            context.close()


def log_in(page, path: str, user) -> None:
    """Type the username and password on a login page (the admin's or /accounts/login/) and submit."""
    page.goto(path)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
