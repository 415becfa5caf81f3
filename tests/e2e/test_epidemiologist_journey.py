"""Epidemiologist journey in a real browser: log in, read the released report, see its plot, open the API docs."""

import pytest

from outcomes.reports import services
from tests.e2e.conftest import log_in, with_password
from tests.outcomes.reports.conftest import CUT_OFF, build_registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def released_report():
    build_registry()  # abdominal tumors in large cells, lung tumors in cells smaller than 11
    report, _ = services.report_request(cut_off=CUT_OFF, strata=["all", "site_group", "margin"])
    services.report_compute(report_id=report.pk)
    return report


def test_an_epidemiologist_reads_released_figures_with_a_plot_and_opens_the_api_docs(
    page, epidemiologist, released_report
):
    log_in(page, "/accounts/login/", with_password(epidemiologist))
    assert page.url.endswith("/outcomes/reports/")  # where the login sends her

    page.goto("/outcomes/reports/?endpoint=recurrence&stratum=site_group")
    table = page.locator("table.outcomes")
    assert "<11" in table.inner_text()
    counts = table.locator("tbody td:nth-child(-n+5):not(:first-child)").all_inner_texts()
    assert counts and not [c for c in counts if c.strip().isdigit() and 1 <= int(c) <= 10]
    plot = page.locator(".plots img").first
    plot.scroll_into_view_if_needed()  # the image is loading="lazy"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
    page.screenshot(path="/tmp/e2e-epidemiologist.png", full_page=True)

    page.goto("/api/docs/")
    assert "IMT Registry API" in page.title()
    page.wait_for_selector(".swagger-ui .info .title")
    assert "IMT Registry API" in page.locator(".swagger-ui .info .title").inner_text()
    page.screenshot(path="/tmp/e2e-epidemiologist-api-docs.png")
