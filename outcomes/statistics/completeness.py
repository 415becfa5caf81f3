"""Completeness of follow-up: Clark's completeness index (Clark, Altman & De Stavola, Lancet 2002).

For each subject, *observed* follow-up runs from the origin to the last assessment (capped at the
data cut-off), and *potential* follow-up from the origin to the cut-off date, or to death when
death is known to have occurred before the cut-off. The index is

    C = sum(observed time) / sum(potential time),

the share of the at-risk time that was actually observed (1 means complete follow-up). With no
potential time (empty input, or all subjects with zero potential time) C is None. Observed time
must not exceed potential time (beyond a rounding tolerance): that would be a data error, and
raises ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._base import Result, as_float_array, check_same_length

__all__ = ["Completeness", "clark_completeness_index"]


@dataclass(frozen=True)
class Completeness(Result):
    """Clark's C with its numerator and denominator."""

    index: float | None
    observed_time: float
    potential_time: float
    n: int


def clark_completeness_index(observed_time: ArrayLike, potential_time: ArrayLike) -> Completeness:
    """Clark's completeness index: total observed over total potential follow-up time."""
    observed = as_float_array(observed_time, "observed_time")
    potential = as_float_array(potential_time, "potential_time")
    n = check_same_length(observed_time=observed, potential_time=potential)
    if np.any(observed < 0) or np.any(potential < 0):
        raise ValueError("follow-up times must be non-negative")
    if np.any(observed > potential + 1e-9 * np.maximum(1.0, potential)):
        raise ValueError("observed follow-up exceeds potential follow-up")
    total_observed = float(observed.sum())
    total_potential = float(potential.sum())
    index = total_observed / total_potential if total_potential > 0 else None
    return Completeness(index, total_observed, total_potential, n)
