"""An attacker on released tables: the tightest integer bounds on every hidden count from everything shown.

It reads only the released table (and k) and uses: row identity (at risk = events + competing +
censored), column sums against "all", numbers at risk never rising with time (0 years = at risk), rate x
person-years / 100 = events, proportion x at risk = events, and the curves (n_risk at time 0 is at risk;
drops d = n (1 - S(t)/S(t-)) add up to at most the events; the number at risk at a year is the n_risk of
the first shown point at or after it, and at most n - d of the last shown point before it). Each hidden
count's range is found exactly by integer programming.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

DAYS_PER_YEAR = 365.25
ROW_COUNTS = ("at_risk", "events", "competing", "censored")
NAR_YEARS = ("1", "2", "5")
COLUMNS = ROW_COUNTS + tuple(f"nar:{year}" for year in NAR_YEARS)
UNBOUNDED = 10**6


@dataclass
class Recovery:
    cell: tuple[int, str]  # (row index, column)
    shown_as: str
    lowest: int
    highest: int

    @property
    def pinned(self) -> bool:
        return self.lowest == self.highest


def released_value(row: dict, column: str):
    if column.startswith("nar:"):
        return (row.get("numbers_at_risk") or {}).get(column[4:])
    return row.get(column)


def attack(released: dict, k: int) -> list[Recovery]:
    """The feasible range of every hidden count (shown as a string) in ``released``."""
    rows = released["rows"]
    cells = [(index, column) for index in range(len(rows)) for column in COLUMNS]
    position = {cell: i for i, cell in enumerate(cells)}
    lower, upper = _bounds(rows, cells, k)

    equations: list[tuple[dict[tuple[int, str], float], float, float]] = []

    def equal(terms: dict, value: float = 0.0, slack: float = 0.0) -> None:
        equations.append((terms, value - slack, value + slack))

    def at_most(terms: dict, value: float) -> None:
        equations.append((terms, -np.inf, value))

    for index, row in enumerate(rows):
        equal(
            {(index, "at_risk"): 1, (index, "events"): -1, (index, "competing"): -1, (index, "censored"): -1}
        )
        chain = ["at_risk", *(f"nar:{year}" for year in NAR_YEARS)]
        for bigger, smaller in zip(chain, chain[1:], strict=False):
            at_most({(index, smaller): 1, (index, bigger): -1}, 0)
        at_zero = (row.get("numbers_at_risk") or {}).get("0")
        if isinstance(at_zero, int):
            equal({(index, "at_risk"): 1}, at_zero)
        _figures(index, row, equal)
        _curve(index, row, equal, at_most)
    if len(rows) > 1:
        for column in COLUMNS:
            terms = {(0, column): 1.0}
            terms.update({(index, column): -1.0 for index in range(1, len(rows))})
            equal(terms)

    matrix = np.zeros((len(equations), len(cells)))
    low = np.zeros(len(equations))
    high = np.zeros(len(equations))
    for r, (terms, lo, hi) in enumerate(equations):
        for cell, coefficient in terms.items():
            matrix[r, position[cell]] += coefficient
        low[r], high[r] = lo, hi
    constraints = LinearConstraint(matrix, low, high)

    recoveries = []
    for cell in cells:
        shown = released_value(rows[cell[0]], cell[1])
        if isinstance(shown, str):
            lowest, highest = (
                _extreme(sign, position[cell], constraints, Bounds(lower, upper), len(cells))
                for sign in (1, -1)
            )
            recoveries.append(Recovery(cell, shown, lowest, highest))
    return recoveries


def _bounds(rows: list[dict], cells: list, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's range as released: a number is itself, "<k" is 1..k-1, "suppressed" is k or more."""
    lower = np.zeros(len(cells))
    upper = np.full(len(cells), float(UNBOUNDED))
    for i, (index, column) in enumerate(cells):
        value = released_value(rows[index], column)
        if isinstance(value, int):
            lower[i] = upper[i] = value
        elif value == f"<{k}":
            lower[i], upper[i] = 1, k - 1
        elif value == "suppressed":
            # Never below k (that would be "<k") and never zero (zeros are not used as complements).
            lower[i] = k
    return lower, upper


def _extreme(sign: int, column: int, constraints, bounds, n_cells: int) -> int:
    """The smallest (sign 1) or largest (sign -1) integer value of one cell the equations allow."""
    objective = np.zeros(n_cells)
    objective[column] = sign
    result = milp(objective, constraints=constraints, integrality=np.ones(n_cells), bounds=bounds)
    assert result.status == 0, f"released table is inconsistent for the attacker: {result.message}"
    return round(result.x[column])


def _figures(index: int, row: dict, equal) -> None:
    rate, person_years = row.get("rate_per_100py"), row.get("person_years")
    if rate is not None and person_years is not None:
        equal({(index, "events"): 1}, round(rate * person_years / 100))
    proportion = row.get("crude_proportion")
    if proportion is not None:
        # events - p * at_risk = 0, to rounding.
        equal({(index, "events"): 1, (index, "at_risk"): -proportion}, 0.0, slack=1e-6)


def _curve(index: int, row: dict, equal, at_most) -> None:
    curve = row.get("curve")
    if not curve or not curve.get("time"):
        return
    times, n_risk, estimate = curve["time"], curve["n_risk"], curve["km"]
    if times[0] == 0:
        equal({(index, "at_risk"): 1}, n_risk[0])
    survival = [1 - value for value in estimate] if estimate[0] < 0.5 else list(estimate)
    drops = [0] + [
        round(n_risk[i] * (1 - survival[i] / survival[i - 1])) if survival[i - 1] > 0 else 0
        for i in range(1, len(times))
    ]
    # The events include at least every drop shown.
    at_most({(index, "events"): -1}, -sum(drops))
    for year in NAR_YEARS:
        day = float(year) * DAYS_PER_YEAR
        cell = (index, f"nar:{year}")
        later = [i for i, time in enumerate(times) if time >= day]
        earlier = [i for i, time in enumerate(times) if time < day]
        if later:
            # Every exit time is a point, so the first point at or after the year tells its number at risk.
            equal({cell: 1}, n_risk[later[0]])
        if earlier:
            last = earlier[-1]
            at_most({cell: 1}, n_risk[last] - drops[last])
