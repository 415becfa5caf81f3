"""Epidemiologists read released figures (no count 1-10, curves cut below 11); registrars read everything."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from outcomes.reports import services
from outcomes.reports.models import OutcomeReport
from tests.conftest import client_for
from tests.outcomes.reports.conftest import CUT_OFF

pytestmark = pytest.mark.django_db
COUNTS = ("at_risk", "events", "competing", "censored")


@pytest.fixture
def report(small_registry):
    queued, _ = services.report_request(cut_off=CUT_OFF, strata=["all", "site_group", "margin"])
    services.report_compute(report_id=queued.pk)
    return OutcomeReport.objects.get(pk=queued.pk)


def _counts(results):
    """Every count an outcome table shows: row counts, numbers at risk, curve numbers at risk."""
    for table in results["tables"]:
        for row in table["rows"]:
            for column in COUNTS:
                yield row[column]
            yield from (row.get("numbers_at_risk") or {}).values()
    share = results["metastatic_at_diagnosis"]
    yield share["count"]


def _small(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10


def test_an_epidemiologist_reads_no_count_from_1_to_10_and_no_curve_below_11(report, epidemiologist):
    body = client_for(epidemiologist).get(f"/api/reports/{report.pk}/").json()
    assert body["released"] is True
    assert not [value for value in _counts(body["results"]) if _small(value)]
    assert "<11" in list(_counts(body["results"]))
    curves = [
        row["curve"] for table in body["results"]["tables"] for row in table["rows"] if row.get("curve")
    ]
    assert curves, "large cells keep their curves"
    for curve in curves:
        assert all(n >= 11 for n in curve["n_risk"] if n is not None)


def test_a_registrar_reads_the_full_numbers(report, registrar):
    body = client_for(registrar).get(f"/api/reports/{report.pk}/").json()
    assert body["released"] is False
    assert [value for value in _counts(body["results"]) if _small(value)]
    assert body["results"] == report.results


def test_the_dashboard_shows_an_epidemiologist_no_small_count(report, epidemiologist, registrar):
    def count_cells(user, stratum):
        client = Client()
        client.force_login(user)
        page = client.get(f"/outcomes/reports/?endpoint=recurrence&stratum={stratum}").content.decode()
        return [int(cell) for cell in re.findall(r"<td>(\d+)</td>", page)], page

    for stratum in ("site_group", "margin"):
        cells, page = count_cells(epidemiologist, stratum)
        assert cells and not [c for c in cells if 1 <= c <= 10], stratum
        assert "&lt;11" in page
    cells, _ = count_cells(registrar, "site_group")
    assert [c for c in cells if 1 <= c <= 10]


def test_plots_are_cached_apart_for_released_and_full_figures(report, epidemiologist, registrar):
    cache.clear()
    url = f"/api/reports/{report.pk}/plot/?endpoint=recurrence&stratum=site_group&kind=aj"
    released = client_for(epidemiologist).get(url)
    full = client_for(registrar).get(url)
    assert released.status_code == full.status_code == 200
    assert released["Content-Type"] == "image/png" and released.content.startswith(b"\x89PNG")
    assert released.content != full.content
    assert cache.get(f"report-plot:{report.pk}:recurrence:site_group:aj:released") == released.content
    assert client_for(epidemiologist).get(url).content == released.content
