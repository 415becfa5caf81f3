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
    services.report_compute(report_id=report.pk)
    return OutcomeReport.objects.get(pk=report.pk)


def test_the_same_data_gives_the_same_fingerprint_and_identical_results(small_registry):
    first, second = _run(), _run()
    assert first.pk != second.pk and first.status == second.status == "succeeded"
    assert first.fingerprint == second.fingerprint
    assert json.dumps(first.results, sort_keys=True) == json.dumps(second.results, sort_keys=True)


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


def test_the_stored_results_hold_no_nan_or_infinity(small_registry):
    report = _run(strata=["all", "site_group"])
    json.dumps(report.results, allow_nan=False)


def test_json_safe_turns_non_finite_numbers_into_null():
    import numpy as np

    assert services.json_safe({"a": float("nan"), "b": [np.float64("inf"), np.int64(3), 1.5]}) == {
        "a": None,
        "b": [None, 3, 1.5],
    }
