"""Released figures: small-cell suppression of stored outcome tables (DESIGN section 6, "Released figures").

Pure functions over the report table dicts; no Django import. Registrars and admins read the stored
table; everyone else reads ``release_table(table)``.

Markers in a released table
---------------------------
* A count from 1 to k-1 shows as the string ``"<k"`` (``"<11"`` by default). Zero stays ``0``: the CMS
  cell-size rule hides 1-10 and shows 0, and a zero cannot single anybody out.
* A count hidden only to protect another (complementary hiding, rule 3) shows as ``"suppressed"``. It is
  never a zero and never below k, so writing "<k" there would lie about its size.
* A figure withheld is ``None``, and the row's ``"withheld"`` list names it:
  ``{"field": "crude_proportion", "reason": "small_cell", "counts": ["events"]}``. Reasons:
  ``small_cell`` (computed from a hidden count), ``tail_below_k`` (curve points removed by rule 4),
  ``complementary`` (the "all" curve, withheld or cut so that it cannot be subtracted from the level
  curves). The table has its own ``"withheld"`` list for ``logrank_p`` / ``gray_p``, and
  ``"released": {"k": k}``.

Rules where DESIGN leaves room (each is cited where it is applied):
* Complementary hiding picks the smallest *non-zero* shown count of the line: a zero hidden as
  "suppressed" protects nothing, because the marker's reader knows it is either 0 or at least k.
* Rules 1-3 alone can leave a hidden count pinned, e.g. events 10 and censored 10 hidden in a row of 20
  (both must be 10), or 1 and a complement in a row of 1 + k. After the rule-3 pass, an audit bounds every
  hidden count exactly (integer programming, SciPy's ``milp``) from everything shown (row identity,
  column sums against "all", numbers at risk never rising with time) and hides one more count in a line
  of any cell it can pin; repeat until stable.
* Numbers at risk at 1, 2 and 5 years are count columns too: levels add up to "all" at each time, so
  they get the same complementary hiding. At 0 years the number at risk is the row's at risk and is
  released with it.
* Which figure depends on which count: crude proportion on events and at risk; rate and its interval on
  events (person-years stay: without the rate they reveal no count); 1-KM estimates, medians and the
  curve's time, n_risk and km arrays on events and at risk (competing and censored enter only through
  their sum, at risk - events); Aalen-Johansen and median follow-up (reverse KM, which needs censored
  apart from competing) on all four counts. A hidden count withholds what depends on it.
* A curve is shown only when its row's events and at risk are shown, so its drops (events per time,
  d = n * (1 - S(t)/S(t-))) only detail a shown total. It stops at the last point after which at least k
  remain at risk, i.e. the step into fewer than k is not drawn either, because its drop would bound the
  small number left; and where a number at risk at year y is hidden, it stops at the last point whose
  successor is still before y, so no shown point tells that number. Curves are assumed to hold a point
  at every observed time (events, competing events and censorings).
* Levels' curves add up to the "all" curve, so at no time may exactly one of them be missing: the "all"
  curve stops where the first level's curve stops when that level is alone in stopping there.
* If a hidden count stays pinned when no non-zero count is left to hide (a tiny table, e.g. four levels
  of one tumor each with k = 5), no count of the table is released: every count and number at risk is
  ``None`` and each row's withheld list starts with ``{"field": "counts", "reason": "small_table"}``.
* ``logrank_p`` is withheld when any level's events or at risk is hidden, ``gray_p`` when any level
  count is hidden (Gray's test also uses the competing events).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

DEFAULT_K = 11
SUPPRESSED = "suppressed"
DAYS_PER_YEAR = 365.25

ROW_COUNTS = ("at_risk", "events", "competing", "censored")
NAR_YEARS = ("1", "2", "5")
NAR_COLUMNS = tuple(f"nar:{year}" for year in NAR_YEARS)
COUNT_COLUMNS = ROW_COUNTS + NAR_COLUMNS

PRIMARY = "primary"
COMPLEMENT = "complement"

CRUDE_FIELDS = ("crude_proportion", "crude_lower", "crude_upper")
RATE_FIELDS = ("rate_per_100py", "rate_lower", "rate_upper")
KM_FIELDS = ("km", "median_time", "median_lower", "median_upper")
AJ_FIELDS = ("aj", "median_follow_up")
CURVE_KM_KEYS = ("time", "n_risk", "km", "km_lower", "km_upper")
CURVE_AJ_KEYS = ("aj", "aj_lower", "aj_upper")

# Counts each derived figure is computed from (see the module docstring).
DEPENDS_ON = {
    **{field: ("at_risk", "events") for field in CRUDE_FIELDS},
    **{field: ("events",) for field in RATE_FIELDS},
    **{field: ("at_risk", "events") for field in KM_FIELDS},
    **{field: ROW_COUNTS for field in AJ_FIELDS},
}

UNBOUNDED = 10**7  # a "suppressed" count has no upper bound the reader knows

Cell = tuple[int, str]  # (row index, count column)


def small_cell_marker(k: int) -> str:
    return f"<{k}"


def release_report(results: dict, k: int = DEFAULT_K) -> dict:
    """The released copy of a stored report: every table released, other keys copied."""
    released = copy.deepcopy({key: value for key, value in results.items() if key != "tables"})
    released["tables"] = [release_table(table, k) for table in results.get("tables", [])]
    _release_headline(released, k)
    return released


def _small(count, k: int) -> bool:
    return isinstance(count, int) and not isinstance(count, bool) and 1 <= count < k


def _release_headline(released: dict, k: int) -> None:
    """Report-level counts: tumors and patients, and the share metastatic at diagnosis, which is withheld
    when its count, its complement (total - count) or its total is small."""
    for key in ("tumors", "patients"):
        if _small(released.get(key), k):
            released[key] = f"<{k}"
    share = released.get("metastatic_at_diagnosis")
    if not (
        isinstance(share, dict)
        and isinstance(share.get("total"), int)
        and isinstance(share.get("count"), int)
    ):
        return
    count, total = share["count"], share["total"]
    if _small(count, k) or _small(total - count, k) or _small(total, k):
        released["metastatic_at_diagnosis"] = {
            "count": f"<{k}" if _small(count, k) else SUPPRESSED if count else 0,
            "total": f"<{k}" if _small(total, k) else total,
            "proportion": None,
            "lower": None,
            "upper": None,
            "withheld": [{"field": "proportion", "reason": "small_cell"}],
        }


def release_table(table: dict, k: int = DEFAULT_K) -> dict:
    """A new table with small cells hidden and every figure that would reveal them withheld."""
    if not isinstance(k, int) or k < 3:
        # With k = 2, "<2" would say "1".
        raise ValueError("k must be an integer of at least 3")
    rows = table.get("rows") or []
    hidden, protectable = _hidden_cells(rows, k)
    if not protectable:
        # Every non-zero count is hidden and still one is pinned (say four levels of one tumor each under
        # an "all" of "<5"): the table is too small to release any count.
        hidden = {(index, col): PRIMARY for index in range(len(rows)) for col in COUNT_COLUMNS}

    released = copy.deepcopy(table)
    released["released"] = {"k": k}
    released_rows = [_released_row(row, index, hidden, k) for index, row in enumerate(rows)]
    if not protectable:
        for row in released_rows:
            row.update(dict.fromkeys(ROW_COUNTS))
            if isinstance(row.get("numbers_at_risk"), dict):
                row["numbers_at_risk"] = dict.fromkeys(row["numbers_at_risk"])
            row["withheld"].insert(0, {"field": "counts", "reason": "small_table"})
    if len(released_rows) > 1:
        _cut_all_curve_against_levels(released_rows)
    for row in released_rows:
        row.pop("_horizon", None)
        row.pop("_aj_horizon", None)
    released["rows"] = released_rows

    table_withheld = []
    level_hidden = [
        {col for (index, col) in hidden if index == level and col in ROW_COUNTS}
        for level in range(1, len(rows))
    ]
    if any(cols & {"at_risk", "events"} for cols in level_hidden) and released.get("logrank_p") is not None:
        released["logrank_p"] = None
        table_withheld.append({"field": "logrank_p", "reason": "small_cell"})
    if any(level_hidden) and released.get("gray_p") is not None:
        released["gray_p"] = None
        table_withheld.append({"field": "gray_p", "reason": "small_cell"})
    released["withheld"] = table_withheld
    return released


# --- which counts are hidden -------------------------------------------------------------------


def _count(row: dict, column: str) -> int | None:
    if column.startswith("nar:"):
        value = (row.get("numbers_at_risk") or {}).get(column[4:])
    else:
        value = row.get(column)
    if value is None:
        return None
    return int(value)


def _lines(rows: list[dict]) -> list[tuple[Cell, list[Cell]]]:
    """Every identity a reader knows: (total cell, cells adding up to it)."""
    lines = [((index, "at_risk"), [(index, col) for col in ROW_COUNTS[1:]]) for index in range(len(rows))]
    if len(rows) > 1:
        # Levels add up to "all" (row 0) in every count column.
        for col in COUNT_COLUMNS:
            lines.append(((0, col), [(index, col) for index in range(1, len(rows))]))
    return lines


def _chains(rows: list[dict]) -> list[tuple[Cell, Cell]]:
    """(larger, smaller) pairs: numbers at risk never rise with time."""
    pairs = []
    for index in range(len(rows)):
        chain = ["at_risk", *NAR_COLUMNS]
        pairs.extend(((index, chain[i]), (index, chain[i + 1])) for i in range(len(chain) - 1))
    return pairs


def _hidden_cells(rows: list[dict], k: int) -> tuple[dict[Cell, str], bool]:
    """The hidden counts, and whether they leave every hidden count unpinned."""
    counts = {(index, col): _count(row, col) for index, row in enumerate(rows) for col in COUNT_COLUMNS}
    # Rule 1: every count from 1 to k-1.
    hidden = {cell: PRIMARY for cell, value in counts.items() if value is not None and 1 <= value < k}
    # "0" years mirrors at risk: a small number at risk at time 0 is a small at risk.
    for index, row in enumerate(rows):
        at_zero = (row.get("numbers_at_risk") or {}).get("0")
        if at_zero is not None and 1 <= int(at_zero) < k:
            hidden.setdefault((index, "at_risk"), PRIMARY)

    lines = _lines(rows)
    while True:
        changed = False
        # Rule 3: a line with exactly one hidden count hides its next smallest.
        for total, parts in lines:
            cells = [total, *parts]
            if sum(cell in hidden for cell in cells) == 1:
                is_column = total[0] == 0 and parts and parts[0][0] != 0
                # Across rows, "all" is ignored when choosing (DESIGN 6 rule 3), unless no level can go.
                preferred = parts if is_column else cells
                choice = _smallest_shown(preferred, counts, hidden) or _smallest_shown(cells, counts, hidden)
                if choice is not None:
                    hidden[choice] = COMPLEMENT
                    changed = True
        if changed:
            continue
        # Audit: hide more wherever what is shown pins a hidden count.
        for cell in _pinned_cells(rows, counts, hidden, k):
            choice = _smallest_shown(_cells_sharing_a_line(cell, lines, rows), counts, hidden)
            if choice is None:
                choice = _smallest_shown(list(counts), counts, hidden)
            if choice is None:
                return hidden, False
            hidden[choice] = COMPLEMENT
            changed = True
            break
        if not changed:
            return hidden, True


def _smallest_shown(
    cells: list[Cell], counts: dict[Cell, int | None], hidden: dict[Cell, str]
) -> Cell | None:
    candidates = [cell for cell in cells if cell not in hidden and counts.get(cell)]
    if not candidates:
        return None
    return min(candidates, key=lambda cell: (counts[cell], cell[0], COUNT_COLUMNS.index(cell[1])))


def _cells_sharing_a_line(cell: Cell, lines: list[tuple[Cell, list[Cell]]], rows: list[dict]) -> list[Cell]:
    shared = [member for total, parts in lines if cell in (total, *parts) for member in (total, *parts)]
    if cell[1] in NAR_COLUMNS:
        shared.extend((cell[0], col) for col in ("at_risk", *NAR_COLUMNS))
    return [member for member in shared if member != cell]


def _pinned_cells(
    rows: list[dict], counts: dict[Cell, int | None], hidden: dict[Cell, str], k: int
) -> list[Cell]:
    """Hidden counts whose value follows from the shown ones, found exactly by integer programming.

    The reader knows each "<k" is 1..k-1, each "suppressed" at least k, every line's identity and that
    numbers at risk never rise. Interval reasoning line by line is not enough: two column sums and two row
    identities together can pin a cell that no single line pins.
    """
    cells = [cell for cell, value in counts.items() if value is not None]
    position = {cell: i for i, cell in enumerate(cells)}
    lower = np.array([float(counts[cell]) for cell in cells])
    upper = lower.copy()
    for cell, kind in hidden.items():
        if cell in position:
            lower[position[cell]], upper[position[cell]] = (1, k - 1) if kind == PRIMARY else (k, UNBOUNDED)

    equations = []
    for total, parts in _lines(rows):
        if all(cell in position for cell in (total, *parts)):
            coefficients = np.zeros(len(cells))
            coefficients[position[total]] = 1
            for part in parts:
                coefficients[position[part]] -= 1
            equations.append((coefficients, 0.0, 0.0))
    for bigger, smaller in _chains(rows):
        if bigger in position and smaller in position:
            coefficients = np.zeros(len(cells))
            coefficients[position[bigger]], coefficients[position[smaller]] = 1, -1
            equations.append((coefficients, 0.0, np.inf))
    constraints = (
        [
            LinearConstraint(
                np.array([row for row, _, _ in equations]),
                [lo for _, lo, _ in equations],
                [hi for _, _, hi in equations],
            )
        ]
        if equations
        else []
    )

    pinned = []
    for cell in sorted(cell for cell in hidden if cell in position):
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(cells))
            objective[position[cell]] = sign
            result = milp(
                objective,
                constraints=constraints,
                integrality=np.ones(len(cells)),
                bounds=Bounds(lower, upper),
            )
            if result.status != 0:  # inconsistent stored table: nothing to reason about
                return []
            ends.append(round(result.x[position[cell]]))
        if ends[0] == ends[1]:
            pinned.append(cell)
            break  # one more hidden count changes everything; the caller asks again
    return pinned


# --- the released row ----------------------------------------------------------------------------


def _released_row(row: dict, index: int, hidden: dict[Cell, str], k: int) -> dict:
    released = copy.deepcopy(row)
    withheld: list[dict[str, Any]] = []

    def marker(cell: Cell) -> str:
        return small_cell_marker(k) if hidden[cell] == PRIMARY else SUPPRESSED

    hidden_counts = [col for col in ROW_COUNTS if (index, col) in hidden]
    for col in hidden_counts:
        released[col] = marker((index, col))

    numbers_at_risk = released.get("numbers_at_risk")
    if isinstance(numbers_at_risk, dict):
        if "0" in numbers_at_risk and (index, "at_risk") in hidden:
            numbers_at_risk["0"] = marker((index, "at_risk"))
        for year in NAR_YEARS:
            if (index, f"nar:{year}") in hidden:
                numbers_at_risk[year] = marker((index, f"nar:{year}"))

    for field, needs in DEPENDS_ON.items():
        because = [col for col in needs if col in hidden_counts]
        if because and released.get(field) is not None:
            released[field] = None
            withheld.append({"field": field, "reason": "small_cell", "counts": because})

    horizon, aj_horizon = _release_curve(released, index, hidden, hidden_counts, k, withheld)
    released["withheld"] = withheld
    released["_horizon"], released["_aj_horizon"] = horizon, aj_horizon
    return released


def _release_curve(
    released: dict, index: int, hidden: dict[Cell, str], hidden_counts: list[str], k: int, withheld: list
) -> tuple[float, float]:
    """Cut the released row's curve (in place) where its counts are hidden or its tail falls below k;
    returns the horizons after which the Kaplan-Meier and the Aalen-Johansen curves are not shown."""
    curve = released.get("curve")
    # A curve the stored table lacks hides nothing; only curves cut here count as missing for the "all" cut.
    horizon = aj_horizon = math.inf
    if not (isinstance(curve, dict) and curve.get("time")):
        return horizon, aj_horizon
    km_because = [col for col in ("at_risk", "events") if col in hidden_counts]
    aj_because = [col for col in ROW_COUNTS if col in hidden_counts]
    if km_because:
        released["curve"] = None
        withheld.append({"field": "curve", "reason": "small_cell", "counts": km_because})
        return -math.inf, -math.inf
    hidden_years = [float(year) * DAYS_PER_YEAR for year in NAR_YEARS if (index, f"nar:{year}") in hidden]
    keep = _points_to_keep(curve, k, hidden_years)
    if keep < len(curve["time"]):
        horizon = float(curve["time"][keep])
        _truncate_curve(curve, keep)
        withheld.append({"field": "curve", "reason": "tail_below_k", "after_days": horizon})
        if keep == 0:
            released["curve"] = None
    aj_horizon = horizon
    if aj_because and released["curve"] is not None and curve.get("aj") is not None:
        for key in CURVE_AJ_KEYS:
            if key in curve:
                curve[key] = None
        aj_horizon = -math.inf
        withheld.append({"field": "curve.aj", "reason": "small_cell", "counts": aj_because})
    return horizon, aj_horizon


def _points_to_keep(curve: dict, k: int, hidden_year_days: list[float]) -> int:
    """How many leading curve points rule 4 lets through."""
    times, n_risk = curve["time"], curve["n_risk"]
    keep = 0
    for i in range(len(times)):
        has_next = i + 1 < len(times)
        if n_risk[i] is None or n_risk[i] < k:
            break
        # The step into fewer than k at risk is not drawn: its drop bounds the small number left.
        if has_next and (n_risk[i + 1] is None or n_risk[i + 1] < k):
            break
        # A hidden number at risk at year y: the next point (with at least one exit) must be before y too.
        if any(not has_next or times[i + 1] >= day for day in hidden_year_days):
            break
        keep = i + 1
    return keep


def _truncate_curve(curve: dict, keep: int) -> None:
    for key, values in curve.items():
        if isinstance(values, list):
            curve[key] = values[:keep]


def _cut_all_curve_against_levels(rows: list[dict]) -> None:
    """Levels' curves add up to "all": at no time may exactly one of them be missing (DESIGN 6 rule 3)."""
    all_row = rows[0]

    def lone_first_stop(level_horizons: list[float]) -> float:
        ordered = sorted(level_horizons)
        if len(ordered) == 1 or ordered[0] < ordered[1]:
            return ordered[0]
        return math.inf

    curve = all_row.get("curve")
    if curve is None:
        return
    cut_at = lone_first_stop([row["_horizon"] for row in rows[1:]])
    if cut_at < all_row["_horizon"]:
        keep = sum(1 for time in curve["time"] if time < cut_at)
        if keep == 0:
            all_row["curve"] = None
        else:
            _truncate_curve(curve, keep)
        all_row["withheld"].append({"field": "curve", "reason": "complementary"})
        all_row["_horizon"] = cut_at
        if all_row["curve"] is None:
            return

    # The Aalen-Johansen arrays likewise; they share the time axis, so they go whole or not at all.
    if curve.get("aj") is None:
        return
    if lone_first_stop([row["_aj_horizon"] for row in rows[1:]]) < all_row["_horizon"]:
        for key in CURVE_AJ_KEYS:
            if key in curve:
                curve[key] = None
        all_row["withheld"].append({"field": "curve.aj", "reason": "complementary"})
