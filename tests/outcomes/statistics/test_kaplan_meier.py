"""Kaplan-Meier, its log-log interval, median and numbers at risk against survival::survfit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from r_reference import as_expected, assert_close, load

from outcomes.statistics import kaplan_meier, numbers_at_risk, reverse_km_median_follow_up

CASES = load("kaplan_meier")["cases"]


def fit(case):
    return kaplan_meier(case["input"]["time"], case["input"]["event"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_kaplan_meier_matches_survfit_log_log_at_every_time(name):
    case = CASES[name]
    km = fit(case)
    ref = case["survfit"]
    assert_close(km.time, ref["time"])
    assert km.n_risk.tolist() == ref["n_risk"]
    assert km.n_event.tolist() == ref["n_event"]
    assert km.n_censor.tolist() == ref["n_censor"]
    assert_close(km.survival, ref["surv"])
    assert_close(km.std_err_log, ref["std_err_log"])
    assert_close(km.std_err, ref["std_err"])
    assert_close(km.lower, ref["lower"])
    assert_close(km.upper, ref["upper"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_kaplan_meier_at_requested_times_matches_survfit_summary(name):
    case = CASES[name]
    km = fit(case)
    ref = case["summary_times"]
    reported = as_expected(ref["time"]).tolist()
    for t in ref["requested"]:
        if t not in reported:  # summary() drops times after the last observed time
            assert km.survival_at(t) is None
            assert km.interval_at(t) == (None, None)
            assert km.n_risk_at(t) == 0
            continue
        i = reported.index(t)
        assert_close(km.survival_at(t), ref["surv"][i])
        assert_close(km.std_err_at(t), ref["std_err"][i])
        assert_close(km.interval_at(t), [ref["lower"][i], ref["upper"][i]])
        assert km.n_risk_at(t) == ref["n_risk"][i]
        assert numbers_at_risk(case["input"]["time"], [t]).tolist() == [ref["n_risk"][i]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_kaplan_meier_median_and_limits_match_survfit_table(name):
    case = CASES[name]
    median = fit(case).median()
    ref = case["median"]
    assert_close([median.median, median.lower, median.upper], [ref["median"], ref["lower"], ref["upper"]])


@pytest.mark.parametrize("name", sorted(CASES))
def test_reverse_km_median_follow_up_matches_survfit_with_censoring_as_event(name):
    case = CASES[name]
    median = reverse_km_median_follow_up(case["input"]["time"], case["input"]["event"])
    ref = case["reverse_km_median"]
    assert_close([median.median, median.lower, median.upper], [ref["median"], ref["lower"], ref["upper"]])


def test_kaplan_meier_on_lung_gives_the_published_r_figures():
    km = fit(CASES["lung"])
    assert km.median().median == 310
    assert km.median().lower == 284
    assert km.median().upper == 361
    assert km.survival_at(365) == pytest.approx(0.409242, abs=1e-6)
    lower, upper = km.interval_at(365)
    assert lower == pytest.approx(0.338714, abs=1e-6)
    assert upper == pytest.approx(0.478381, abs=1e-6)


def test_kaplan_meier_of_empty_input_returns_none_estimates():
    km = kaplan_meier([], [])
    assert km.n == 0
    assert km.survival_at(0) is None
    assert km.interval_at(365.25) == (None, None)
    assert km.n_risk_at(0) == 0
    assert km.median().to_dict() == {"median": None, "lower": None, "upper": None, "conf_level": 0.95}
    assert reverse_km_median_follow_up([], []).median is None
    assert km.as_json()


def test_kaplan_meier_counts_censorings_at_an_event_time_as_at_risk():
    km = kaplan_meier([2, 2, 3], [1, 0, 1])
    assert km.n_risk.tolist() == [3, 1]
    assert km.survival_at(2) == pytest.approx(2 / 3)


def test_kaplan_meier_to_dict_turns_non_finite_values_into_none():
    data = CASES["ends_with_event"]["input"]
    out = kaplan_meier(data["time"], data["event"]).to_dict()
    assert out["std_err_log"][-1] is None
    assert out["lower"][0] is None
    assert "NaN" not in kaplan_meier(data["time"], data["event"]).as_json()


def test_kaplan_meier_rejects_missing_times_and_bad_event_codes():
    with pytest.raises(ValueError):
        kaplan_meier([1.0, float("nan")], [1, 0])
    with pytest.raises(ValueError):
        kaplan_meier([1.0, 2.0], [1, 2])
    with pytest.raises(ValueError):
        kaplan_meier([1.0, 2.0], [1])


survival_data = st.lists(
    st.tuples(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=1)),
    min_size=1,
    max_size=60,
)


@settings(deadline=None, max_examples=150)
@given(survival_data)
def test_kaplan_meier_is_non_increasing_within_unit_interval_with_limits_around_it(rows):
    time, event = (np.array(v) for v in zip(*rows, strict=False))
    km = kaplan_meier(time, event)
    assert np.all(np.diff(km.survival) <= 1e-12)
    assert np.all((km.survival >= 0) & (km.survival <= 1))
    inside = np.isfinite(km.lower)
    assert np.all(km.lower[inside] <= km.survival[inside] + 1e-12)
    assert np.all(km.upper[inside] >= km.survival[inside] - 1e-12)
    assert km.n_risk[0] == len(time)
    assert km.n_event.sum() == event.sum()
    assert numbers_at_risk(time, [0]).tolist() == [len(time)]
