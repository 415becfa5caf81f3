"""Loading of the stored R reference fixtures and tolerant comparison helpers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r_reference"
TOL = 1e-6


@cache
def load(name: str) -> dict[str, Any]:
    """The fixture file ``name``.json written by scripts/r/make_reference_fixtures.R."""
    with open(FIXTURES / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def as_expected(values: Sequence[float | None] | None) -> np.ndarray:
    """JSON list (null for NA) as a float array with NaN for null."""
    if values is None:
        return np.array([], dtype=float)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def assert_close(actual: Any, expected: Any, tol: float = TOL) -> None:
    """Equal within ``tol`` absolute, with None/NaN/inf (non-finite) matching None/NaN/inf alike."""
    a = np.atleast_1d(
        np.array(
            [np.nan if v is None else v for v in np.atleast_1d(np.asarray(actual, dtype=object))], dtype=float
        )
    )
    e = np.atleast_1d(
        np.array(
            [np.nan if v is None else v for v in np.atleast_1d(np.asarray(expected, dtype=object))],
            dtype=float,
        )
    )
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    finite_a = np.isfinite(a)
    finite_e = np.isfinite(e)
    assert np.array_equal(finite_a, finite_e), f"missing values differ:\n{a}\n{e}"
    if finite_a.any():
        worst = float(np.max(np.abs(a[finite_a] - e[finite_e])))
        assert worst <= tol, f"max abs difference {worst:.3g} > {tol}"
