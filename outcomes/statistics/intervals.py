"""Confidence intervals for a proportion (Wilson) and a Poisson rate (exact).

* :func:`wilson_interval` equals ``prop.test(x, n, correct = FALSE)$conf.int`` (score interval
  without continuity correction; lower limit exactly 0 when x = 0, upper exactly 1 when x = n).
* :func:`poisson_rate_interval` equals ``poisson.test(x, T)$conf.int * per``: the exact
  (Garwood) interval ``[qgamma(a/2, x), qgamma(1 - a/2, x + 1)] / T``, lower 0 when x = 0.

``n = 0`` or zero person-time gives ``None`` for the estimate and the limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import gamma, norm

from ._base import Result

__all__ = ["ProportionInterval", "RateInterval", "wilson_interval", "poisson_rate_interval"]


@dataclass(frozen=True)
class ProportionInterval(Result):
    """Crude proportion x / n with its Wilson interval."""

    x: int
    n: int
    estimate: float | None
    lower: float | None
    upper: float | None
    conf_level: float


@dataclass(frozen=True)
class RateInterval(Result):
    """Events per ``per`` person-years with the exact Poisson interval."""

    events: int
    person_years: float
    per: float
    rate: float | None
    lower: float | None
    upper: float | None
    conf_level: float


def _check_count(value: int, name: str) -> int:
    if int(value) != value or value < 0:
        raise ValueError(f"{name} must be a non-negative integer")
    return int(value)


def wilson_interval(x: int, n: int, conf_level: float = 0.95) -> ProportionInterval:
    """Wilson score interval as ``prop.test(x, n, correct = FALSE)``."""
    x = _check_count(x, "x")
    n = _check_count(n, "n")
    if x > n:
        raise ValueError("x must not exceed n")
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be between 0 and 1")
    if n == 0:
        return ProportionInterval(x, n, None, None, None, conf_level)
    p = x / n
    z = float(norm.ppf((1.0 + conf_level) / 2.0))
    z22n = z * z / (2.0 * n)
    spread = z * math.sqrt(p * (1.0 - p) / n + z22n / (2.0 * n))
    lower = 0.0 if p <= 0.0 else (p + z22n - spread) / (1.0 + 2.0 * z22n)
    upper = 1.0 if p >= 1.0 else (p + z22n + spread) / (1.0 + 2.0 * z22n)
    return ProportionInterval(x, n, p, lower, upper, conf_level)


def poisson_rate_interval(
    events: int, person_years: float, per: float = 100.0, conf_level: float = 0.95
) -> RateInterval:
    """Rate per ``per`` person-years with the exact interval of ``poisson.test(events, person_years)``."""
    x = _check_count(events, "events")
    t = float(person_years)
    if not math.isfinite(t) or t < 0.0:
        raise ValueError("person_years must be finite and non-negative")
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be between 0 and 1")
    if t == 0.0:
        return RateInterval(x, t, per, None, None, None, conf_level)
    alpha = 1.0 - conf_level
    lower = 0.0 if x == 0 else float(gamma.ppf(alpha / 2.0, x)) / t
    upper = float(gamma.ppf(1.0 - alpha / 2.0, x + 1)) / t
    return RateInterval(x, t, per, x / t * per, lower * per, upper * per, conf_level)
