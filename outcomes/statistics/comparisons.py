"""Log-rank test as ``survival::survdiff(Surv(time, event) ~ group)`` with ``rho = 0``.

At each distinct event time with ``n`` at risk and ``d`` events, group ``g`` (``n_g`` at risk)
contributes observed ``d_g``, expected ``n_g d / n`` and the hypergeometric covariance
``d (n - d) / (n - 1) * n_g / n * (delta_gh - n_h / n)``. As in survdiff, groups with zero
expected events are dropped, the first remaining group is left out, and the statistic is
``(O - E)' V^-1 (O - E)`` on (number of remaining groups - 1) degrees of freedom.

Where survdiff would report a degenerate test (one group, or fewer than two groups with expected
events, where it gives chi-square 0 on 0 or fewer degrees of freedom), this function returns
``chisq = None`` and ``p_value = None``; so does a singular covariance matrix (for instance when
every subject at every event time has the event), where survdiff's ``solve`` stops with an error. survdiff's ``timefix`` rounding of nearly equal times is
not applied: times are compared exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from ._base import Result, as_float_array, as_int_array, check_same_length

__all__ = ["LogRankTest", "logrank_test"]


@dataclass(frozen=True)
class LogRankTest(Result):
    """Log-rank test; ``observed``/``expected`` follow the order of ``groups``."""

    chisq: float | None
    df: int
    p_value: float | None
    groups: list
    n: NDArray[np.int64]
    observed: NDArray[np.float64]
    expected: NDArray[np.float64]
    variance: NDArray[np.float64]


def logrank_test(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> LogRankTest:
    """Compare survival between the levels of ``group`` (sorted) by the log-rank test."""
    t = as_float_array(time, "time")
    ev = as_int_array(event, "event")
    if not np.all((ev == 0) | (ev == 1)):
        raise ValueError("event must be 0 (censored) or 1 (event)")
    g = np.asarray(group).reshape(-1)
    check_same_length(time=t, event=ev, group=g)
    levels = sorted(set(g.tolist()), key=lambda v: (str(type(v)), v))
    ng = len(levels)
    position = {level: i for i, level in enumerate(levels)}
    gi = np.array([position[v] for v in g.tolist()], dtype=np.int64)

    distinct, inverse = np.unique(t, return_inverse=True)
    k = len(distinct)
    leaving = np.zeros((k, ng))
    deaths = np.zeros((k, ng))
    np.add.at(leaving, (inverse, gi), 1.0)
    np.add.at(deaths, (inverse, gi), ev.astype(float))
    at_risk = leaving.sum(axis=0) - np.concatenate((np.zeros((1, ng)), np.cumsum(leaving, axis=0)[:-1]))

    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n[:, None] > 0, at_risk / n[:, None], 0.0)
        hyper = np.where(n > 1, d * (n - d) / (n - 1.0), 0.0)
    observed = deaths.sum(axis=0)
    expected = (share * d[:, None]).sum(axis=0)
    variance = np.einsum("t,tg->g", hyper, share)[:, None] * np.eye(ng) - np.einsum(
        "t,tg,th->gh", hyper, share, share
    )

    keep = expected > 0
    df = int(keep.sum()) - 1
    chisq: float | None = None
    p_value: float | None = None
    if df >= 1:
        diff = (observed - expected)[keep][1:]
        vv = variance[np.ix_(keep, keep)][1:, 1:]
        scale = float(np.abs(vv).max()) if vv.size else 0.0
        if scale > 0.0 and np.linalg.matrix_rank(vv, tol=1e-10 * scale) == df:
            chisq = float(diff @ np.linalg.solve(vv, diff))
            p_value = float(chi2.sf(chisq, df))
    return LogRankTest(
        chisq=chisq,
        df=max(df, 0),
        p_value=p_value,
        groups=levels,
        n=leaving.sum(axis=0).astype(np.int64),
        observed=observed,
        expected=expected,
        variance=variance,
    )
