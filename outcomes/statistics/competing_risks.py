"""Cumulative incidence with competing risks (Aalen-Johansen) and Gray's (1988) test.

* Estimate: as ``survival::survfit`` with a multi-state (factor) outcome and a single starting
  state, ties kept as they are (no jitter). At distinct time ``t_j`` with ``n_j`` at risk,
  ``d1_j`` events of interest and overall Kaplan-Meier ``S`` (all causes),
  ``F(t_j) = F(t_{j-1}) + S(t_{j-1}) * d1_j / n_j``. Censorings at ``t`` are at risk at ``t``.
* Variance: the delta-method estimator of ``cmprsk::cuminc`` (Gray's ``cinc`` routine). It moves
  only at times with an event of interest and is carried forward between them.
* Interval: on the log(-log F) scale, ``F ** exp(+/- z sqrt(var) / (F |log F|))``; undefined
  (None) where F is 0 or 1.
* Gray's test: the K-sample test of Gray (1988) as ``cmprsk::cuminc`` computes it (``crstm``
  routine, no strata, ``rho = 0`` by default): scores for the first K - 1 groups (groups sorted),
  their covariance matrix, statistic ``s' V^-1 s`` on K - 1 degrees of freedom.

Status codes: 0 is censored; ``event_code`` is the event of interest; for the estimate, codes in
``competing_codes`` are competing events (any other code raises ``ValueError``). For Gray's test,
as in cmprsk, every non-zero code other than ``event_code`` is a competing event.

Queries at a time before the first observed time give 0; after the last observed time they give
None (``cmprsk::timepoints`` returns NA there and ``summary.survfit`` drops the time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2, norm

from ._base import Result, as_float_array, as_int_array, check_same_length, finite_or_none

__all__ = ["AalenJohansen", "GrayTest", "aalen_johansen", "gray_test"]


@dataclass(frozen=True)
class AalenJohansen(Result):
    """Cumulative incidence of one cause; arrays are indexed by the distinct observed times."""

    time: NDArray[np.float64]
    n_risk: NDArray[np.int64]
    n_event: NDArray[np.int64]
    n_competing: NDArray[np.int64]
    n_censor: NDArray[np.int64]
    estimate: NDArray[np.float64]
    variance: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    survival: NDArray[np.float64]
    conf_level: float
    n: int
    events: int
    competing_events: int

    def _index(self, t: float) -> int | None:
        """Index of the last time <= t; -1 before the first; None after the last or empty."""
        if self.n == 0 or float(t) > float(self.time[-1]):
            return None
        return int(np.searchsorted(self.time, float(t), side="right")) - 1

    def estimate_at(self, t: float) -> float | None:
        """F(t)."""
        i = self._index(t)
        if i is None:
            return None
        return 0.0 if i < 0 else finite_or_none(self.estimate[i])

    def variance_at(self, t: float) -> float | None:
        """cuminc's variance of F(t) (``cmprsk::timepoints``)."""
        i = self._index(t)
        if i is None:
            return None
        return 0.0 if i < 0 else finite_or_none(self.variance[i])

    def interval_at(self, t: float) -> tuple[float | None, float | None]:
        """Log(-log) confidence limits of F(t); None where F(t) is 0 or 1."""
        i = self._index(t)
        if i is None or i < 0:
            return (None, None)
        return (finite_or_none(self.lower[i]), finite_or_none(self.upper[i]))

    def n_risk_at(self, t: float) -> int:
        """Number still in follow-up at t (time >= t)."""
        i = int(np.searchsorted(self.time, float(t), side="left"))
        return 0 if i >= len(self.time) else int(self.n_risk[i])


@dataclass(frozen=True)
class GrayTest(Result):
    """Gray's K-sample test for cumulative incidence; statistic and p are None when not testable."""

    statistic: float | None
    df: int
    p_value: float | None
    groups: list
    scores: NDArray[np.float64]
    covariance: NDArray[np.float64]


def _loglog_interval(estimate, variance, conf_level):
    z = norm.ppf(1.0 - (1.0 - conf_level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = np.where((estimate > 0.0) & (estimate < 1.0), estimate, np.nan)
        scale = z * np.sqrt(variance) / (f * np.abs(np.log(f)))
        lower = f ** np.exp(scale)
        upper = f ** np.exp(-scale)
    return lower, upper


def _multiplicity_factor(d: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    """cinc's tie correction ``1 - (d - 1) / (n - 1)`` for d > 1, else 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 1, 1.0 - (d - 1.0) / (n - 1.0), 1.0)


def aalen_johansen(
    time: ArrayLike,
    status: ArrayLike,
    event_code: int = 1,
    competing_codes: Iterable[int] = (2,),
    conf_level: float = 0.95,
) -> AalenJohansen:
    """Aalen-Johansen cumulative incidence of ``event_code`` with cuminc's variance."""
    t = as_float_array(time, "time")
    st = as_int_array(status, "status")
    check_same_length(time=t, status=st)
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be between 0 and 1")
    competing = [int(c) for c in competing_codes]
    if event_code == 0 or event_code in competing or 0 in competing:
        raise ValueError("event_code and competing_codes must be distinct and non-zero")
    known = np.isin(st, [0, event_code, *competing])
    if not np.all(known):
        raise ValueError(f"unexpected status codes: {sorted(set(st[~known].tolist()))}")

    distinct, inverse = np.unique(t, return_inverse=True)
    k = len(distinct)
    is1 = (st == event_code).astype(float)
    is2 = np.isin(st, competing).astype(float)
    d1 = np.bincount(inverse, weights=is1, minlength=k)
    d2 = np.bincount(inverse, weights=is2, minlength=k)
    total = np.bincount(inverse, minlength=k).astype(float)
    n = len(t) - np.concatenate(([0.0], np.cumsum(total)[:-1]))
    d = d1 + d2

    surv = np.cumprod(1.0 - d / n) if k else np.empty(0)
    surv_before = np.concatenate(([1.0], surv[:-1]))
    estimate = np.cumsum(surv_before * d1 / n) if k else np.empty(0)

    # Delta-method variance of cuminc: three running sums, combined at event-of-interest times.
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(surv > 0.0, 1.0 / surv, 0.0)
        w1 = surv_before**2 * _multiplicity_factor(d1, n) * d1 / n**2
        w2 = np.where(surv > 0.0, surv_before**2 * _multiplicity_factor(d2, n) * d2 / n**2, 0.0)
    a1 = 1.0 + inv_s * estimate  # event of interest
    b2 = estimate * inv_s  # competing event
    v1 = np.cumsum(a1 * a1 * w1 + b2 * b2 * w2)
    v2 = np.cumsum(inv_s * a1 * w1 + inv_s * b2 * w2)
    v3 = np.cumsum(inv_s * inv_s * w1 + inv_s * inv_s * w2)
    at_event = v1 + estimate**2 * v3 - 2.0 * estimate * v2
    # carry the value at the last event-of-interest time forward
    last = np.maximum.accumulate(np.where(d1 > 0, np.arange(k), -1)) if k else np.empty(0, int)
    variance = np.where(last >= 0, at_event[np.maximum(last, 0)], 0.0) if k else np.empty(0)

    lower, upper = _loglog_interval(estimate, variance, conf_level)
    return AalenJohansen(
        time=distinct,
        n_risk=n.astype(np.int64),
        n_event=d1.astype(np.int64),
        n_competing=d2.astype(np.int64),
        n_censor=(total - d).astype(np.int64),
        estimate=estimate,
        variance=variance,
        lower=lower,
        upper=upper,
        survival=surv,
        conf_level=float(conf_level),
        n=int(len(t)),
        events=int(is1.sum()),
        competing_events=int(is2.sum()),
    )


def _sorted_levels(values: NDArray) -> list:
    return sorted(set(values.tolist()), key=lambda v: (str(type(v)), v))


def gray_test(
    time: ArrayLike, status: ArrayLike, group: ArrayLike, event_code: int = 1, rho: float = 0.0
) -> GrayTest:
    """Gray's test that the cumulative incidence of ``event_code`` is equal across groups.

    Matches ``cmprsk::cuminc(time, status, group, rho = rho, cencode = 0)$Tests`` (no strata).
    With fewer than two groups, or a singular covariance matrix (where cuminc reports -1),
    statistic and p-value are None.
    """
    t = as_float_array(time, "time")
    st = as_int_array(status, "status")
    g = np.asarray(group).reshape(-1)
    check_same_length(time=t, status=st, group=g)
    levels = _sorted_levels(g)
    ng = len(levels)
    empty = GrayTest(None, max(ng - 1, 0), None, levels, np.empty(0), np.empty((0, 0)))
    if ng < 2:
        return empty
    position = {level: i for i, level in enumerate(levels)}
    gi = np.array([position[v] for v in g.tolist()], dtype=np.int64)
    cause = np.where(st == 0, 0, np.where(st == event_code, 1, 2))

    distinct, inverse = np.unique(t, return_inverse=True)
    k = len(distinct)
    # counts per (time, group) of censorings, events of interest, competing events
    counts = np.zeros((3, k, ng))
    np.add.at(counts, (cause, inverse, gi), 1.0)
    leaving = counts.sum(axis=0)
    at_risk = leaving.sum(axis=0) - np.concatenate((np.zeros((1, ng)), np.cumsum(leaving, axis=0)[:-1]))

    ng1 = ng - 1
    scores = np.zeros(ng1)
    cov = np.zeros((ng1, ng1))
    c = np.zeros((ng, ng))
    v2 = np.zeros((ng1, ng))
    v3 = np.zeros(ng)
    s_left = np.ones(ng)  # all-cause KM per group, left limit
    f_left = np.zeros(ng)  # cumulative incidence per group, left limit
    pooled_left = 0.0

    for j in range(k):
        d1g = counts[1, j]
        d2g = counts[2, j]
        n_d1 = d1g.sum()
        n_d2 = d2g.sum()
        rs = at_risk[j]
        if n_d1 == 0 and n_d2 == 0:
            continue
        present = rs > 0
        s_right = s_left.copy()
        f_right = f_left.copy()
        s_right[present] = s_left[present] * (rs[present] - d1g[present] - d2g[present]) / rs[present]
        f_right[present] = f_left[present] + s_left[present] * d1g[present] / rs[present]
        h = np.where(present, rs / np.where(present, s_left, 1.0), 0.0)
        big_r = h * (1.0 - f_left)
        tr = h.sum()
        tq = big_r.sum()
        pooled = pooled_left + n_d1 / tr
        weight = (1.0 - pooled_left) ** rho

        a = -weight * np.outer(h, h) / tr
        a[np.diag_indices(ng)] = weight * h * (1.0 - h / tr)
        a[~present, :] = 0.0
        a[:, ~present] = 0.0
        c += a * n_d1 / (tr * (1.0 - pooled_left))
        scores += np.where(present, weight * (d1g - n_d1 * big_r / tq), 0.0)[:ng1]

        if n_d1 > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                t4 = np.where(s_right > 0.0, 1.0 - (1.0 - pooled) / s_right, 1.0)
                t5 = 1.0 - (n_d1 - 1.0) / (tr * s_left - 1.0) if n_d1 > 1 else np.ones(ng)
                t3 = np.where(present, t5 * s_left * n_d1 / (tr * rs), 0.0)
            t3 = np.where(present, t3, 0.0)
            t4 = np.where(present, t4, 0.0)
            v3 += t4 * t4 * t3
            t1 = a[:ng1, :] - t4[None, :] * c[:ng1, :]
            v2 += t1 * (t4 * t3)[None, :]
            cov += (t1 * t3[None, :]) @ t1.T
        if n_d2 > 0:
            use = present & (s_right > 0.0) & (d2g > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                t4 = np.where(use, (1.0 - pooled) / s_right, 0.0)
                t5 = np.where(d2g > 1, 1.0 - (d2g - 1.0) / (rs - 1.0), 1.0)
                t3 = np.where(use, t5 * s_left**2 * d2g / rs**2, 0.0)
            v3 += t4 * t4 * t3
            t1 = t4[None, :] * c[:ng1, :]
            v2 -= t1 * (t4 * t3)[None, :]
            cov += (t1 * t3[None, :]) @ t1.T

        pooled_left = pooled
        f_left = f_right
        s_left = s_right

    cc = c[:ng1, :]
    cov = cov + (cc * v3[None, :]) @ cc.T + cc @ v2.T + v2 @ cc.T
    statistic: float | None = None
    p_value: float | None = None
    if (
        np.all(np.isfinite(cov))
        and np.linalg.matrix_rank(cov, tol=1e-7 * max(np.abs(cov).max(), 1e-300)) == ng1
    ):
        statistic = float(scores @ np.linalg.solve(cov, scores))
        p_value = float(chi2.sf(statistic, ng1))
    return GrayTest(statistic, ng1, p_value, levels, scores, cov)
