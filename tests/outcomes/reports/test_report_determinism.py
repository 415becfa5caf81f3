"""Same data, same numbers, same fingerprint."""

import json

import pytest

from outcomes.reports import services
from outcomes.reports.models import OutcomeReport
from tests.factories import DiseaseEventFactory
from tests.outcomes.reports.conftest import CUT_OFF

pytestmark = pytest.mark.django_db


def _run(**kwargs):
    report, _ = services.report_request(cut_off=CUT_OFF, **kwargs)
    assert services.report_compute(report_id=report.pk) == "succeeded"
    report = OutcomeReport.objects.get(pk=report.pk)
    assert report.status == OutcomeReport.Status.SUCCEEDED, report.error_class
    assert report.results["tables"] and report.results["tumors"] == report.tumors > 0
    return report


def _all_row(report, endpoint: str) -> dict:
    """The "all" row of an endpoint's table by the "all" stratum."""
    (table,) = [t for t in report.results["tables"] if t["endpoint"] == endpoint and t["stratum"] == "all"]
    return table["rows"][0]


def test_the_same_data_gives_the_same_fingerprint_and_identical_results(small_registry):
    first, second = _run(), _run()
    assert first.pk != second.pk
    assert first.fingerprint == second.fingerprint
    assert json.dumps(first.results, sort_keys=True) == json.dumps(second.results, sort_keys=True)
    # The figures are the registry's: 28 tumors, every fourth with a local recurrence.
    assert first.results["tumors"] == 28
    assert _all_row(first, "local_recurrence")["events"] == 7


def test_a_new_event_changes_the_fingerprint(small_registry):
    from registry.models import Tumor

    before = _run(strata=["all"])
    tumor = Tumor.objects.filter(events__isnull=True).order_by("pk").first()
    DiseaseEventFactory(
        tumor=tumor,
        date=tumor.date_of_diagnosis.replace(year=tumor.date_of_diagnosis.year + 1),
        event_type="distant_metastasis",
    )
    after = _run(strata=["all"])
    assert after.fingerprint != before.fingerprint
    assert _all_row(after, "metastasis")["events"] == _all_row(before, "metastasis")["events"] + 1


def test_the_stored_results_hold_no_nan_or_infinity(small_registry):
    report = _run(strata=["all", "site_group"])
    assert {t["stratum"] for t in report.results["tables"]} == {"all", "site_group"}
    json.dumps(report.results, allow_nan=False)


def test_json_safe_turns_non_finite_numbers_into_null():
    import numpy as np

    assert services.json_safe({"a": float("nan"), "b": [np.float64("inf"), np.int64(3), 1.5]}) == {
        "a": None,
        "b": [None, 3, 1.5],
    }
