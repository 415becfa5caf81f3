"""Aalen-Johansen cumulative incidence against survfit (multi-state) and cmprsk::cuminc."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from r_reference import as_expected, assert_close, load

from outcomes.statistics import aalen_johansen, kaplan_meier
from outcomes.statistics.competing_risks import _loglog_interval

CASES = load("aalen_johansen")["cases"]


def fit(case):
    return aalen_johansen(case["input"]["time"], case["input"]["status"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_aalen_johansen_matches_survfit_multi_state_pstate_at_every_time(name):
    case = CASES[name]
    aj = fit(case)
    assert_close(aj.time, case["survfit"]["time"])
    assert_close(aj.estimate, case["survfit"]["pstate"])
    assert aj.n_risk.tolist() == case["survfit"]["n_risk"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_aalen_johansen_at_requested_times_matches_survfit_summary(name):
    case = CASES[name]
    aj = fit(case)
    ref = case["summary_times"]
    reported = as_expected(ref["time"]).tolist()
    for t in ref["requested"]:
        if t in reported:
            assert_close(aj.estimate_at(t), ref["pstate"][reported.index(t)])
        else:
            assert aj.estimate_at(t) is None


@pytest.mark.parametrize("name", sorted(CASES))
def test_aalen_johansen_estimate_and_variance_match_cuminc_at_every_time(name):
    case = CASES[name]
    aj = fit(case)
    ref = case["cuminc_all_times"]
    assert_close([aj.estimate_at(t) for t in ref["time"]], ref["est"])
    assert_close([aj.variance_at(t) for t in ref["time"]], ref["var"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_aalen_johansen_at_one_two_five_years_matches_cuminc_timepoints(name):
    case = CASES[name]
    aj = fit(case)
    ref = case["cuminc_times"]
    assert_close([aj.estimate_at(t) for t in ref["time"]], ref["est"])
    assert_close([aj.variance_at(t) for t in ref["time"]], ref["var"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_aalen_johansen_interval_is_the_log_minus_log_transform_of_cuminc_variance(name):
    case = CASES[name]
    aj = fit(case)
    ref = case["cuminc_all_times"]
    est = as_expected(ref["est"])
    var = as_expected(ref["var"])
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where((est > 0) & (est < 1), est, np.nan)
        half = 1.959963984540054 * np.sqrt(var) / (f * np.abs(np.log(f)))
        expected_lower = f ** np.exp(half)
        expected_upper = f ** np.exp(-half)
    intervals = [aj.interval_at(t) for t in ref["time"]]
    assert_close([i[0] for i in intervals], expected_lower)
    assert_close([i[1] for i in intervals], expected_upper)


def test_aalen_johansen_interval_on_mgus2_at_five_years_brackets_the_estimate():
    aj = fit(CASES["mgus2"])
    lower, upper = aj.interval_at(60)
    assert 0.0 < lower < aj.estimate_at(60) < upper < 1.0


def test_aalen_johansen_of_empty_input_returns_none_estimates():
    aj = aalen_johansen([], [])
    assert aj.estimate_at(365.25) is None
    assert aj.variance_at(365.25) is None
    assert aj.interval_at(365.25) == (None, None)
    assert aj.to_dict()["estimate"] == []


def test_aalen_johansen_with_all_censored_is_zero_without_interval():
    aj = aalen_johansen([1, 2, 3], [0, 0, 0])
    assert aj.estimate_at(2) == 0.0
    assert aj.variance_at(2) == 0.0
    assert aj.interval_at(2) == (None, None)
    assert aj.estimate_at(4) is None


def test_aalen_johansen_rejects_unknown_status_codes():
    with pytest.raises(ValueError):
        aalen_johansen([1, 2], [1, 3])
    assert aalen_johansen([1, 2], [1, 3], competing_codes=(2, 3)).competing_events == 1


def test_aalen_johansen_uses_the_given_event_and_competing_codes():
    case = CASES["ties"]["input"]
    swapped = [{1: 2, 2: 1}.get(s, s) for s in case["status"]]
    a = aalen_johansen(case["time"], case["status"])
    b = aalen_johansen(case["time"], swapped, event_code=2, competing_codes=(1,))
    assert_close(a.estimate, b.estimate, tol=1e-12)
    assert_close(a.variance, b.variance, tol=1e-12)


def test_log_minus_log_interval_helper_leaves_zero_and_one_undefined():
    lower, upper = _loglog_interval(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.01, 0.0]), 0.95)
    assert np.isnan(lower[0]) and np.isnan(upper[2])
    assert lower[1] < 0.5 < upper[1]


competing_data = st.lists(
    st.tuples(st.integers(min_value=0, max_value=25), st.integers(min_value=0, max_value=2)),
    min_size=1,
    max_size=60,
)


@settings(deadline=None, max_examples=150)
@given(competing_data)
def test_cumulative_incidence_is_non_decreasing_within_unit_interval(rows):
    time, status = (np.array(v) for v in zip(*rows, strict=False))
    aj = aalen_johansen(time, status)
    other = aalen_johansen(time, status, event_code=2, competing_codes=(1,))
    assert np.all(np.diff(aj.estimate) >= -1e-12)
    assert np.all((aj.estimate >= -1e-12) & (aj.estimate <= 1 + 1e-12))
    assert np.all(aj.variance >= -1e-12)
    # the two cumulative incidences and the overall survival add up to one
    assert np.allclose(aj.estimate + other.estimate + aj.survival, 1.0)


@settings(deadline=None, max_examples=150)
@given(competing_data)
def test_aalen_johansen_without_competing_events_equals_one_minus_kaplan_meier(rows):
    time, status = (np.array(v) for v in zip(*rows, strict=False))
    status = np.minimum(status, 1)
    aj = aalen_johansen(time, status)
    km = kaplan_meier(time, status)
    assert np.allclose(aj.estimate, 1.0 - km.survival, atol=1e-12)
