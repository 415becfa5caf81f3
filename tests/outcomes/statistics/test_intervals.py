"""Wilson and exact Poisson intervals against prop.test(correct = FALSE) and poisson.test."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from r_reference import assert_close, load

from outcomes.statistics import poisson_rate_interval, wilson_interval

REFERENCE = load("intervals")


@pytest.mark.parametrize("ref", REFERENCE["wilson"], ids=lambda r: f"{r['x']}of{r['n']}")
def test_wilson_interval_matches_prop_test_without_continuity_correction(ref):
    result = wilson_interval(ref["x"], ref["n"])
    assert_close([result.estimate, result.lower, result.upper], [ref["estimate"], ref["lower"], ref["upper"]])


@pytest.mark.parametrize("ref", REFERENCE["poisson"], ids=lambda r: f"{r['events']}in{r['person_years']}")
def test_poisson_rate_interval_matches_poisson_test_per_hundred_person_years(ref):
    result = poisson_rate_interval(ref["events"], ref["person_years"])
    expected = [100 * ref["rate"], 100 * ref["lower"], 100 * ref["upper"]]
    assert_close([result.rate, result.lower, result.upper], expected, tol=100 * 1e-6)
    unscaled = poisson_rate_interval(ref["events"], ref["person_years"], per=1)
    assert_close([unscaled.rate, unscaled.lower, unscaled.upper], [ref["rate"], ref["lower"], ref["upper"]])


def test_wilson_interval_of_zero_subjects_returns_none():
    result = wilson_interval(0, 0)
    assert result.to_dict() == {
        "x": 0,
        "n": 0,
        "estimate": None,
        "lower": None,
        "upper": None,
        "conf_level": 0.95,
    }


def test_poisson_rate_interval_of_zero_person_time_returns_none():
    result = poisson_rate_interval(0, 0.0)
    assert (result.rate, result.lower, result.upper) == (None, None, None)


def test_interval_functions_reject_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)
    with pytest.raises(ValueError):
        poisson_rate_interval(1, -1.0)


@settings(deadline=None, max_examples=200)
@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_estimate_within_unit_interval(xn):
    x, n = xn
    result = wilson_interval(x, n)
    assert 0.0 <= result.lower <= result.estimate <= result.upper <= 1.0


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 1000), st.floats(min_value=0.01, max_value=1e5))
def test_poisson_rate_interval_contains_the_rate(events, person_years):
    result = poisson_rate_interval(events, person_years)
    assert 0.0 <= result.lower <= result.rate <= result.upper
