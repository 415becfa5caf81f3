"""Kaplan-Meier estimation as ``survival::survfit(Surv(time, event) ~ 1, conf.type = "log-log")``.

Conventions (those of the R survival package):

* the estimate is reported at every distinct observed time, event or censoring;
* a subject censored at ``t`` is at risk at ``t`` (deaths at ``t`` are counted before censorings);
* ``std_err_log`` is survfit's ``std.err``: the Greenwood standard error of the cumulative hazard
  ``-log S``, ``sqrt(sum d / (n (n - d)))``; ``std_err`` is the standard error of ``S`` itself,
  ``S * std_err_log``, as ``summary.survfit`` reports it (NaN where ``S = 0``);
* the log-log interval is ``exp(-exp(log(-log S) -/+ z * std_err_log / log S))``, and is NaN
  where ``S`` is 0 or 1, as survfit leaves it;
* the median and its confidence limits follow ``print.survfit``: the first time at which the curve
  (lower limit, upper limit) falls to 0.5 or below; if the curve sits exactly at 0.5 the median is
  the midpoint to the next drop. Not reached gives ``None``.

Querying a curve at time ``t`` follows ``summary(fit, times = t)``: right-continuous step values, 1
(and interval 1 to 1) before the first observed time, and nothing (``None``) after the last observed
time, where ``summary`` drops the time. ``n_risk_at`` counts subjects with time >= ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from ._base import Result, as_float_array, as_int_array, check_same_length, finite_or_none

__all__ = [
    "KaplanMeier",
    "MedianSurvival",
    "kaplan_meier",
    "numbers_at_risk",
    "reverse_km_median_follow_up",
]

_HALF_TOLERANCE = np.finfo(float).eps ** 0.5


@dataclass(frozen=True)
class MedianSurvival(Result):
    """Median time and its confidence limits as ``print.survfit`` shows them (None: not reached)."""

    median: float | None
    lower: float | None
    upper: float | None
    conf_level: float


@dataclass(frozen=True)
class KaplanMeier(Result):
    """A Kaplan-Meier curve; arrays are indexed by the distinct observed times."""

    time: NDArray[np.float64]
    n_risk: NDArray[np.int64]
    n_event: NDArray[np.int64]
    n_censor: NDArray[np.int64]
    survival: NDArray[np.float64]
    std_err: NDArray[np.float64]
    std_err_log: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float
    n: int
    events: int

    def _index(self, t: float) -> int:
        """Index of the last observed time <= t (-1 before the first)."""
        return int(np.searchsorted(self.time, float(t), side="right")) - 1

    def _beyond(self, t: float) -> bool:
        return self.n == 0 or float(t) > float(self.time[-1])

    def survival_at(self, t: float) -> float | None:
        """S(t): 1 before the first time, None after the last time or without data."""
        if self._beyond(t):
            return None
        i = self._index(t)
        return 1.0 if i < 0 else finite_or_none(self.survival[i])

    def interval_at(self, t: float) -> tuple[float | None, float | None]:
        """Log-log confidence limits of S(t) as ``summary(fit, times = t)`` gives them."""
        if self._beyond(t):
            return (None, None)
        i = self._index(t)
        if i < 0:
            return (1.0, 1.0)
        return (finite_or_none(self.lower[i]), finite_or_none(self.upper[i]))

    def std_err_at(self, t: float) -> float | None:
        """Standard error of S(t) (``summary.survfit``'s ``std.err``)."""
        if self._beyond(t):
            return None
        i = self._index(t)
        return 0.0 if i < 0 else finite_or_none(self.std_err[i])

    def cumulative_incidence_at(self, t: float) -> float | None:
        """1 - S(t)."""
        s = self.survival_at(t)
        return None if s is None else 1.0 - s

    def cumulative_incidence_interval_at(self, t: float) -> tuple[float | None, float | None]:
        """Interval of 1 - S(t): (1 - upper, 1 - lower)."""
        lower, upper = self.interval_at(t)
        return (None if upper is None else 1.0 - upper, None if lower is None else 1.0 - lower)

    def n_risk_at(self, t: float) -> int:
        """Number at risk at t (time >= t), as ``summary(fit, times = t)$n.risk``."""
        i = int(np.searchsorted(self.time, float(t), side="left"))
        return 0 if i >= len(self.time) else int(self.n_risk[i])

    def median(self) -> MedianSurvival:
        """Median and its confidence limits as survfit's printed table (None: not reached)."""
        return MedianSurvival(
            median=_first_at_or_below_half(self.survival, self.time),
            lower=_first_at_or_below_half(self.lower, self.time),
            upper=_first_at_or_below_half(self.upper, self.time),
            conf_level=self.conf_level,
        )


def _first_at_or_below_half(curve: NDArray[np.float64], time: NDArray[np.float64]) -> float | None:
    """print.survfit's rule for the median of a (possibly partly missing) step curve."""
    keep = np.isfinite(curve) & (curve < 0.5 + _HALF_TOLERANCE)
    if not np.any(keep):
        return None
    y = curve[keep]
    x = time[keep]
    if abs(y[0] - 0.5) < _HALF_TOLERANCE:
        lower = np.nonzero(y < y[0])[0]
        if len(lower):
            return float((x[0] + x[lower[0]]) / 2.0)
    return float(x[0])


def _counts(time: NDArray[np.float64], event: NDArray[np.int64]):
    """Distinct times with numbers at risk, events and censorings."""
    distinct, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=event, minlength=len(distinct)).astype(np.int64)
    n_total = np.bincount(inverse, minlength=len(distinct)).astype(np.int64)
    n_censor = n_total - n_event
    n_risk = len(time) - np.concatenate(([0], np.cumsum(n_total)[:-1])).astype(np.int64)
    return distinct, n_risk, n_event, n_censor


def _event_indicator(event: ArrayLike, n: int) -> NDArray[np.int64]:
    ev = as_int_array(event, "event")
    if not np.all((ev == 0) | (ev == 1)):
        raise ValueError("event must be 0 (censored) or 1 (event)")
    return ev


def kaplan_meier(time: ArrayLike, event: ArrayLike, conf_level: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier estimate with Greenwood errors and a log-log interval.

    ``time``: follow-up times (finite); ``event``: 1 for the event, 0 for censoring.
    Empty input gives an empty curve whose queries return None.
    """
    t = as_float_array(time, "time")
    ev = _event_indicator(event, len(t))
    check_same_length(time=t, event=ev)
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be between 0 and 1")
    distinct, n_risk, n_event, n_censor = _counts(t, ev)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        factor = 1.0 - n_event / n_risk
        survival = np.cumprod(factor) if len(factor) else np.empty(0)
        # Greenwood increments; d = n gives an infinite increment (S drops to 0).
        increment = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event).astype(float)), 0.0)
        std_err_log = np.sqrt(np.cumsum(increment))
        std_err = survival * std_err_log
        z = norm.ppf(1.0 - (1.0 - conf_level) / 2.0)
        inside = (survival > 0.0) & (survival < 1.0)
        s = np.where(inside, survival, np.nan)
        log_s = np.log(s)
        shift = z * std_err_log / log_s
        loglog = np.log(-log_s)
        lower = np.exp(-np.exp(loglog - shift))
        upper = np.exp(-np.exp(loglog + shift))
    return KaplanMeier(
        time=distinct,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        survival=survival,
        std_err=std_err,
        std_err_log=std_err_log,
        lower=lower,
        upper=upper,
        conf_level=float(conf_level),
        n=int(len(t)),
        events=int(ev.sum()),
    )


def numbers_at_risk(time: ArrayLike, at: ArrayLike) -> NDArray[np.int64]:
    """Number of subjects with follow-up time >= each value of ``at``."""
    t = np.sort(as_float_array(time, "time"))
    points = as_float_array(at, "at")
    return (len(t) - np.searchsorted(t, points, side="left")).astype(np.int64)


def reverse_km_median_follow_up(
    time: ArrayLike, event: ArrayLike, conf_level: float = 0.95
) -> MedianSurvival:
    """Median follow-up by the reverse Kaplan-Meier method (censoring is the event).

    Equals the median of ``survfit(Surv(time, 1 - event) ~ 1, conf.type = "log-log")``.
    """
    ev = _event_indicator(event, 0)
    return kaplan_meier(time, 1 - ev, conf_level=conf_level).median()
