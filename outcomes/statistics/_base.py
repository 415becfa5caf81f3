"""Shared helpers for the statistics package: input checks and JSON-safe result conversion.

Result dataclasses inherit :class:`Result`, whose :meth:`Result.to_dict` turns every
non-finite float (NaN, +inf, -inf) into ``None`` so the output can be stored as JSON
(PostgreSQL ``jsonb`` and ``json.dumps(allow_nan=False)`` both reject NaN).
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Result", "clean", "finite_or_none", "as_float_array", "as_int_array", "check_same_length"]


def finite_or_none(value: Any) -> float | None:
    """Return ``value`` as a Python float, or ``None`` when it is missing or not finite."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def clean(value: Any) -> Any:
    """Recursively convert numpy values and containers into JSON-safe Python objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return finite_or_none(value)
    return value


class Result:
    """Mixin for result dataclasses: JSON-safe dictionary and JSON text."""

    def to_dict(self) -> dict[str, Any]:
        """Fields as plain Python objects; NaN and infinities become ``None``."""
        return clean(self)

    def as_json(self) -> str:
        """JSON text of :meth:`to_dict` (never contains NaN or Infinity)."""
        return json.dumps(self.to_dict(), allow_nan=False, sort_keys=True)


def as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """One-dimensional float array; raises ``ValueError`` on missing or infinite values."""
    arr = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain finite numbers only")
    return arr


def as_int_array(values: ArrayLike, name: str) -> NDArray[np.int64]:
    """One-dimensional integer array (booleans allowed); raises on non-integral values."""
    raw = np.asarray(values).reshape(-1)
    if raw.dtype == bool:
        return raw.astype(np.int64)
    as_float = raw.astype(float)
    if not np.all(np.isfinite(as_float)) or not np.all(as_float == np.round(as_float)):
        raise ValueError(f"{name} must contain integer codes only")
    return as_float.astype(np.int64)


def check_same_length(**arrays: NDArray[Any]) -> int:
    """Common length of the named arrays; raises ``ValueError`` when they differ."""
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays differ in length: {lengths}")
    return next(iter(lengths.values()), 0)
