"""Coordinator journey in a real browser: log in, read the worklist with names, mark an item scheduled."""

import datetime as dt

import pytest

from outcomes.surveillance.services import refresh_surveillance
from tests.e2e.conftest import log_in, with_password
from tests.outcomes.surveillance.helpers import patient_with_tumor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worklist(coordinator):
    today = dt.date.today()
    patient_with_tumor(
        coordinator=coordinator,
        last_name="Longago",
        phone="+1 555 0101",
        resection=today - dt.timedelta(days=700),
    )
    patient_with_tumor(
        coordinator=coordinator,
        last_name="Recent",
        phone="+1 555 0102",
        resection=today - dt.timedelta(days=85),
    )
    refresh_surveillance(as_of=today)


def test_a_coordinator_marks_an_overdue_item_scheduled_from_the_worklist(page, coordinator, worklist):
    log_in(page, "/admin/login/?next=/outcomes/surveillance/worklist/", with_password(coordinator))

    rows = page.locator("#worklist tbody tr")
    assert rows.count() >= 2
    text = page.locator("#worklist").inner_text()
    assert "Longago" in text and "Recent" in text and "+1 555 0101" in text
    assert "Overdue" in text or "Escalated" in text
    page.screenshot(path="/tmp/e2e-coordinator-worklist.png", full_page=True)

    first = rows.filter(has_text="Longago").first  # sorted by days overdue: the late patient is on top
    assert rows.first.inner_text() == first.inner_text()
    first.locator("a").first.click()
    page.fill("#id_scheduled_date", (dt.date.today() + dt.timedelta(days=9)).isoformat())
    page.click("input[value='Mark scheduled']")

    assert "Marked scheduled for" in page.locator("ul.messagelist").inner_text()
    this_item = page.locator(
        ".module", has=page.get_by_role("heading", name="This item", exact=True)
    ).inner_text()
    assert "state Scheduled, scheduled for" in this_item
    page.screenshot(path="/tmp/e2e-coordinator-scheduled.png", full_page=True)
    page.goto("/outcomes/surveillance/worklist/")
    assert "Scheduled" in page.locator("#worklist tbody tr", has_text="Longago").first.inner_text()
