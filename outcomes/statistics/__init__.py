"""Survival and incidence estimators as pure functions over arrays (no Django imports).

Every estimator is checked against R (survival, cmprsk, stats) to 1e-6; see
``scripts/r/make_reference_fixtures.R`` and ``tests/outcomes/statistics``.
Result dataclasses offer ``to_dict()`` / ``as_json()`` with non-finite values as ``None``.
"""

from .comparisons import LogRankTest, logrank_test
from .competing_risks import AalenJohansen, GrayTest, aalen_johansen, gray_test
from .completeness import Completeness, clark_completeness_index
from .intervals import ProportionInterval, RateInterval, poisson_rate_interval, wilson_interval
from .kaplan_meier import (
    KaplanMeier,
    MedianSurvival,
    kaplan_meier,
    numbers_at_risk,
    reverse_km_median_follow_up,
)

__all__ = [
    "AalenJohansen",
    "Completeness",
    "GrayTest",
    "KaplanMeier",
    "LogRankTest",
    "MedianSurvival",
    "ProportionInterval",
    "RateInterval",
    "aalen_johansen",
    "clark_completeness_index",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "numbers_at_risk",
    "poisson_rate_interval",
    "reverse_km_median_follow_up",
    "wilson_interval",
]
