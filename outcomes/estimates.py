"""Every endpoint by every stratum: the tables an outcome report stores, computed from analysis rows.

A table holds one row for "all" and one per level of the stratum (missing values form an "unknown"
level so that the levels add up to "all", which small-cell suppression relies on). Figures follow
DESIGN section 6; the estimators are the pure functions of `outcomes.statistics`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from outcomes.analysis import CENSORED, COMPETING, ENDPOINTS, EVENT, AnalysisRow
from outcomes.statistics import (
    aalen_johansen,
    clark_completeness_index,
    gray_test,
    kaplan_meier,
    logrank_test,
    poisson_rate_interval,
    reverse_km_median_follow_up,
    wilson_interval,
)
from registry.vocabularies import FusionStatus, GeneStatus, Margin, SiteGroup, Variant

DAYS_PER_YEAR = 365.25
HORIZON_YEARS = (1, 2, 5)
AT_RISK_YEARS = (0, 1, 2, 5)
CURVE_STEP_DAYS = 7  # curves are stored on a weekly grid: enough for a plot, small enough to store
CURVE_MAX_YEARS = 15
COMPETING_ENDPOINTS = ("recurrence", "local_recurrence", "metastasis")
SURVIVAL_ENDPOINTS = ("event_free_survival", "overall_survival")
RECURRENCE_ENDPOINTS = ("recurrence", "local_recurrence")

ENDPOINT_LABELS = {
    "recurrence": "Recurrence",
    "local_recurrence": "Local recurrence",
    "metastasis": "Distant metastasis",
    "event_free_survival": "Event-free survival",
    "overall_survival": "Overall survival",
}


@dataclass(frozen=True)
class Stratum:
    name: str
    label: str
    attribute: str  # AnalysisRow attribute; "margin" depends on the endpoint


STRATA: tuple[Stratum, ...] = (
    Stratum("all", "All", ""),
    Stratum("site_group", "Site group", "site_group"),
    Stratum("margin", "Margin", "margin"),
    Stratum("alk_status", "ALK status", "alk_status"),
    Stratum("fusion_status", "Any kinase fusion", "fusion_status"),
    Stratum("age_group", "Age at diagnosis", "age_group"),
    Stratum("variant", "Variant", "variant"),
    Stratum("size_group", "Size (mm)", "size_group"),
    Stratum("systemic_symptoms", "Systemic inflammatory symptoms", "systemic_symptoms"),
    Stratum("diagnosis_period", "Diagnosis period", "diagnosis_period"),
    Stratum("institution", "Institution", "institution"),
)
STRATUM_NAMES = tuple(s.name for s in STRATA)

# Readable names of stratum levels, for tables and plot legends.
LEVEL_LABELS: dict[str, dict[str, str]] = {
    "site_group": dict(SiteGroup.choices),
    "margin": {**{m.value: m.value for m in Margin}, "none": "No resection"},
    "alk_status": dict(GeneStatus.choices),
    "fusion_status": dict(FusionStatus.choices),
    "variant": dict(Variant.choices),
    "age_group": {"<18": "Under 18 years", "18-39": "18-39 years", ">=40": "40 years and over"},
    "size_group": {"<50": "Under 50 mm", "50-100": "50-100 mm", ">100": "Over 100 mm"},
    "systemic_symptoms": {"yes": "Systemic inflammatory symptoms", "no": "No systemic symptoms"},
}


def level_label(stratum: str, level: str) -> str:
    if level == "all":
        return "All"
    if level == "unknown":
        return "Unknown"
    return LEVEL_LABELS.get(stratum, {}).get(level, level)


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def stratum_level(row: AnalysisRow, stratum: Stratum, endpoint: str) -> str:
    if stratum.name == "all":
        return "all"
    if stratum.name == "margin":
        value = row.definitive_margin if endpoint in RECURRENCE_ENDPOINTS else row.first_resection_margin
    else:
        value = getattr(row, stratum.attribute)
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class EndpointData:
    rows: list[AnalysisRow]
    time: np.ndarray
    status: np.ndarray
    potential: np.ndarray


def endpoint_data(rows: Sequence[AnalysisRow], endpoint: str) -> EndpointData:
    """The rows at risk for an endpoint and their time, status and potential follow-up."""
    status_name = f"{endpoint}_status"
    selected = [r for r in rows if getattr(r, status_name) is not None]
    return EndpointData(
        rows=selected,
        time=np.array([getattr(r, f"{endpoint}_time") for r in selected], dtype=float),
        status=np.array([getattr(r, status_name) for r in selected], dtype=int),
        potential=np.array([getattr(r, f"{endpoint}_potential_time") for r in selected], dtype=float),
    )


def _interval(estimate, lower, upper) -> dict:
    return {"estimate": _finite(estimate), "lower": _finite(lower), "upper": _finite(upper)}


def summarize(time: np.ndarray, status: np.ndarray, potential: np.ndarray, *, competing: bool) -> dict:
    """All figures of one row of a table: counts, rates, proportions, cumulative incidences, curve."""
    n = int(time.size)
    events = int((status == EVENT).sum())
    competing_events = int((status == COMPETING).sum())
    person_years = float(time.sum()) / DAYS_PER_YEAR if n else 0.0
    row = {
        "at_risk": n,
        "events": events,
        "competing": competing_events,
        "censored": n - events - competing_events,
        "person_years": _finite(person_years) if n else None,
    }
    rate = poisson_rate_interval(events, person_years) if person_years > 0 else None
    row.update(
        rate_per_100py=_finite(rate.rate) if rate else None,
        rate_lower=_finite(rate.lower) if rate else None,
        rate_upper=_finite(rate.upper) if rate else None,
    )
    crude = wilson_interval(events, n) if n else None
    row.update(
        crude_proportion=_finite(crude.estimate) if crude else None,
        crude_lower=_finite(crude.lower) if crude else None,
        crude_upper=_finite(crude.upper) if crude else None,
    )
    km = kaplan_meier(time, status == EVENT)
    # Reverse Kaplan-Meier: follow-up ends by an event or a competing event; only censoring is "lost".
    follow_up = reverse_km_median_follow_up(time, status != CENSORED) if n else None
    median = km.median() if n else None
    row.update(
        median_follow_up=_finite(follow_up.median) if follow_up else None,
        median_time=_finite(median.median) if median else None,
        median_lower=_finite(median.lower) if median else None,
        median_upper=_finite(median.upper) if median else None,
    )
    row["km"] = {}
    for years in HORIZON_YEARS:
        t = years * DAYS_PER_YEAR
        if n:
            low, high = km.cumulative_incidence_interval_at(t)
            row["km"][str(years)] = _interval(km.cumulative_incidence_at(t), low, high)
        else:
            row["km"][str(years)] = _interval(None, None, None)
    aj = (
        aalen_johansen(time, status, event_code=EVENT, competing_codes=(COMPETING,))
        if competing and n
        else None
    )
    row["aj"] = {}
    for years in HORIZON_YEARS:
        t = years * DAYS_PER_YEAR
        if aj is not None:
            low, high = aj.interval_at(t)
            row["aj"][str(years)] = _interval(aj.estimate_at(t), low, high)
        else:
            row["aj"][str(years)] = _interval(None, None, None)
    row["numbers_at_risk"] = {
        str(years): int((time >= years * DAYS_PER_YEAR).sum()) for years in AT_RISK_YEARS
    }
    completeness = (
        clark_completeness_index(np.minimum(time, potential), potential)
        if n and potential.sum() > 0
        else None
    )
    row["completeness"] = _finite(completeness.index) if completeness else None
    row["curve"] = _curve(km, aj, time, competing=competing)
    return row


def _as_list(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def _curve(km, aj, time: np.ndarray, *, competing: bool) -> dict:
    """Step curves on a weekly grid up to the last observation: for competing-risk endpoints the
    cumulative incidence (1-KM and Aalen-Johansen), for survival endpoints the survival S(t).

    Evaluated in one vectorised pass with the conventions of the estimators' `*_at` methods: before
    the first observed time S = 1 (interval 1-1) and F = 0 (no interval)."""
    keys = ("time", "n_risk", "km", "km_lower", "km_upper", "aj", "aj_lower", "aj_upper")
    if time.size == 0:
        return {key: [] for key in keys}
    last = min(float(time.max()), CURVE_MAX_YEARS * DAYS_PER_YEAR)
    grid = np.append(np.arange(0.0, last, CURVE_STEP_DAYS), last) if last > 0 else np.array([0.0])
    sorted_time = np.sort(time)
    n_risk = sorted_time.size - np.searchsorted(sorted_time, grid, side="left")

    index = np.searchsorted(km.time, grid, side="right") - 1
    before = index < 0
    safe = np.maximum(index, 0)
    survival = np.where(before, 1.0, km.survival[safe])
    lower = np.where(before, 1.0, km.lower[safe])
    upper = np.where(before, 1.0, km.upper[safe])
    if competing:
        survival, lower, upper = 1.0 - survival, 1.0 - upper, 1.0 - lower
    curve = {
        "time": grid.tolist(),
        "n_risk": n_risk.astype(int).tolist(),
        "km": _as_list(survival),
        "km_lower": _as_list(lower),
        "km_upper": _as_list(upper),
    }
    if aj is not None:
        a_index = np.searchsorted(aj.time, grid, side="right") - 1
        a_before = a_index < 0
        a_safe = np.maximum(a_index, 0)
        curve["aj"] = _as_list(np.where(a_before, 0.0, aj.estimate[a_safe]))
        curve["aj_lower"] = _as_list(np.where(a_before, np.nan, aj.lower[a_safe]))
        curve["aj_upper"] = _as_list(np.where(a_before, np.nan, aj.upper[a_safe]))
    else:
        curve["aj"] = curve["aj_lower"] = curve["aj_upper"] = [None] * grid.size
    return curve


def endpoint_table(data: EndpointData, endpoint: str, stratum: Stratum, overall: dict | None = None) -> dict:
    """One endpoint by one stratum; `overall` reuses the "all" row already computed for the endpoint."""
    competing = endpoint in COMPETING_ENDPOINTS
    overall = overall or summarize(data.time, data.status, data.potential, competing=competing)
    table_rows = [{"level": "all", "level_label": "All", **overall}]
    level_of = np.array([stratum_level(r, stratum, endpoint) for r in data.rows], dtype=object)
    levels = sorted(set(level_of.tolist())) if stratum.name != "all" else []
    for level in levels:
        mask = level_of == level
        table_rows.append(
            {
                "level": level,
                "level_label": level_label(stratum.name, level),
                **summarize(data.time[mask], data.status[mask], data.potential[mask], competing=competing),
            }
        )
    logrank_p = gray_p = None
    if len(levels) > 1:
        groups = level_of.astype(str)
        logrank_p = _finite(logrank_test(data.time, data.status == EVENT, groups).p_value)
        if competing:
            gray_p = _finite(gray_test(data.time, data.status, groups, event_code=EVENT).p_value)
    return {
        "endpoint": endpoint,
        "endpoint_label": ENDPOINT_LABELS[endpoint],
        "stratum": stratum.name,
        "stratum_label": stratum.label,
        "rows": table_rows,
        "logrank_p": logrank_p,
        "gray_p": gray_p,
    }


def outcome_tables(
    rows: Iterable[AnalysisRow],
    *,
    endpoints: Sequence[str] = ENDPOINTS,
    strata: Sequence[str] = STRATUM_NAMES,
    progress=None,
) -> dict:
    """Compute every endpoint by every stratum; `progress(done, total)` is called after each table."""
    rows = list(rows)
    chosen = [s for s in STRATA if s.name in strata]
    total = len(endpoints) * len(chosen)
    tables = []
    for endpoint in endpoints:
        data = endpoint_data(rows, endpoint)
        overall = summarize(data.time, data.status, data.potential, competing=endpoint in COMPETING_ENDPOINTS)
        for stratum in chosen:
            tables.append(endpoint_table(data, endpoint, stratum, overall))
            if progress:
                progress(len(tables), total)
    tumors = len(rows)
    metastatic = sum(1 for r in rows if r.metastatic_at_diagnosis)
    share = wilson_interval(metastatic, tumors) if tumors else None
    return {
        "tables": tables,
        "tumors": tumors,
        "patients": len({r.patient_id for r in rows}),
        "metastatic_at_diagnosis": {
            "count": metastatic,
            "total": tumors,
            "proportion": _finite(share.estimate) if share else None,
            "lower": _finite(share.lower) if share else None,
            "upper": _finite(share.upper) if share else None,
        },
    }
