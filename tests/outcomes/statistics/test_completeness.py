"""Clark's completeness index of follow-up."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes.statistics import clark_completeness_index


def test_completeness_index_is_observed_over_potential_follow_up_time():
    # potential: to the cut-off (1000, 800) or to a known death (300); observed: to last contact
    result = clark_completeness_index([1000, 400, 300], [1000, 800, 300])
    assert result.index == pytest.approx(1700 / 2100)
    assert (result.observed_time, result.potential_time, result.n) == (1700, 2100, 3)


def test_completeness_index_of_complete_follow_up_is_one():
    assert clark_completeness_index([5, 10], [5, 10]).index == 1.0


def test_completeness_index_without_potential_time_returns_none():
    assert clark_completeness_index([], []).index is None
    assert clark_completeness_index([0, 0], [0, 0]).to_dict()["index"] is None


def test_completeness_index_rejects_observed_beyond_potential_time():
    with pytest.raises(ValueError):
        clark_completeness_index([11], [10])
    with pytest.raises(ValueError):
        clark_completeness_index([-1], [10])


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 1)), min_size=1, max_size=50))
def test_completeness_index_lies_between_zero_and_one(rows):
    potential = [p for p, _ in rows]
    observed = [p * share for p, share in rows]
    index = clark_completeness_index(observed, potential).index
    assert index is None or 0.0 <= index <= 1.0
