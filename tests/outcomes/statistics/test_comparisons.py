"""Log-rank test against survival::survdiff and Gray's test against cmprsk::cuminc."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from r_reference import assert_close, load

from outcomes.statistics import gray_test, logrank_test

LOGRANK = load("logrank")["cases"]
GRAY = load("gray_test")["cases"]


@pytest.mark.parametrize("name", sorted(LOGRANK))
def test_logrank_matches_survdiff_chisq_df_and_p(name):
    case = LOGRANK[name]
    data = case["input"]
    ref = case["survdiff"]
    result = logrank_test(data["time"], data["event"], data["group"])
    assert result.df == ref["df"]
    assert_close(result.chisq, ref["chisq"])
    assert_close(result.p_value, ref["p"])


@pytest.mark.parametrize("name", sorted(LOGRANK))
def test_logrank_observed_expected_and_variance_match_survdiff(name):
    case = LOGRANK[name]
    data = case["input"]
    ref = case["survdiff"]
    result = logrank_test(data["time"], data["event"], data["group"])
    order = [result.groups.index(g) for g in ref["groups"]]
    assert_close(result.observed[order], ref["observed"])
    assert_close(result.expected[order], ref["expected"])
    assert_close(result.variance[np.ix_(order, order)].ravel(), np.array(ref["var"]).ravel())


def test_logrank_on_lung_by_sex_gives_the_published_r_figure():
    data = LOGRANK["lung_by_sex"]["input"]
    result = logrank_test(data["time"], data["event"], data["group"])
    assert result.chisq == pytest.approx(10.3, abs=0.05)
    assert result.p_value == pytest.approx(0.00131, abs=5e-6)


def test_logrank_with_a_single_group_returns_no_p_value():
    result = logrank_test([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    assert result.chisq is None and result.p_value is None and result.df == 0


def test_logrank_with_no_events_returns_no_p_value():
    result = logrank_test([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"])
    assert result.p_value is None


def test_logrank_of_empty_input_returns_no_p_value():
    result = logrank_test([], [], [])
    assert result.p_value is None and result.groups == []
    assert result.as_json()


@pytest.mark.parametrize("name", sorted(GRAY))
def test_gray_test_matches_cuminc_statistic_p_value_and_df(name):
    case = GRAY[name]
    data = case["input"]
    ref = case["cuminc_test"]
    result = gray_test(data["time"], data["status"], data["group"])
    assert result.df == ref["df"]
    assert_close(result.statistic, ref["stat"])
    assert_close(result.p_value, ref["pv"])


def test_gray_test_does_not_depend_on_which_group_is_left_out():
    data = GRAY["three_groups_with_single_subject"]["input"]
    renamed = [{"a": "z", "b": "b", "c": "c"}[g] for g in data["group"]]
    a = gray_test(data["time"], data["status"], data["group"])
    b = gray_test(data["time"], data["status"], renamed)
    assert b.statistic == pytest.approx(a.statistic, abs=1e-9)


def test_gray_test_with_a_single_group_returns_no_p_value():
    result = gray_test([1, 2, 3], [1, 2, 0], [1, 1, 1])
    assert result.statistic is None and result.p_value is None and result.df == 0


def test_gray_test_of_empty_input_returns_no_p_value():
    result = gray_test([], [], [])
    assert result.p_value is None
    assert result.to_dict()["statistic"] is None


def test_gray_test_without_events_of_interest_returns_no_p_value():
    result = gray_test([1, 2, 3, 4], [0, 2, 0, 2], ["a", "a", "b", "b"])
    assert result.p_value is None


groups_data = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=20),
        st.integers(min_value=0, max_value=2),
        st.sampled_from(["a", "b", "c"]),
    ),
    min_size=2,
    max_size=50,
)


@settings(deadline=None, max_examples=100)
@given(groups_data)
def test_tests_return_a_probability_or_none_and_never_raise(rows):
    time, status, group = (list(v) for v in zip(*rows, strict=False))
    gray = gray_test(time, status, group)
    logrank = logrank_test(time, [min(s, 1) for s in status], group)
    for result in (gray, logrank):
        assert result.p_value is None or 0.0 <= result.p_value <= 1.0
