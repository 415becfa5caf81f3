"""Report tables built from made-up follow-up, in the stored report's shape, for the release and plot tests."""

from __future__ import annotations

DAYS_PER_YEAR = 365.25

# (days from origin, outcome) per tumor; outcome is "event", "competing" or "censored".
FollowUp = list[tuple[float, str]]


def level_row(level: str, follow_up: FollowUp) -> dict:
    """One table row with every count, figure and curve computed from ``follow_up``."""
    at_risk = len(follow_up)
    events = sum(outcome == "event" for _, outcome in follow_up)
    competing = sum(outcome == "competing" for _, outcome in follow_up)
    censored = at_risk - events - competing
    person_years = sum(days for days, _ in follow_up) / DAYS_PER_YEAR
    curve = _curve(follow_up)

    def at_years(values: list[float], years: float) -> float | None:
        day = years * DAYS_PER_YEAR
        shown = [value for time, value in zip(curve["time"], values, strict=False) if time <= day]
        return shown[-1] if shown else None

    def band(estimate: float | None) -> dict:
        if estimate is None:
            return {"estimate": None, "lower": None, "upper": None}
        return {"estimate": estimate, "lower": max(0.0, estimate - 0.1), "upper": min(1.0, estimate + 0.1)}

    rate = 100 * events / person_years if person_years else None
    proportion = events / at_risk if at_risk else None
    return {
        "level": level,
        "at_risk": at_risk,
        "events": events,
        "competing": competing,
        "censored": censored,
        "person_years": person_years if at_risk else None,
        "rate_per_100py": rate,
        "rate_lower": rate * 0.5 if rate is not None else None,
        "rate_upper": rate * 1.5 if rate is not None else None,
        "crude_proportion": proportion,
        "crude_lower": proportion * 0.5 if proportion is not None else None,
        "crude_upper": min(1.0, proportion * 1.5) if proportion is not None else None,
        "median_follow_up": sorted(days for days, _ in follow_up)[at_risk // 2] if at_risk else None,
        "median_time": _median_time(curve),
        "median_lower": None,
        "median_upper": None,
        "km": {str(y): band(at_years(curve["km"], y)) for y in (1, 2, 5)} if at_risk else {},
        "aj": {str(y): band(at_years(curve["aj"], y)) for y in (1, 2, 5)} if at_risk else {},
        "numbers_at_risk": {
            str(y): sum(days >= y * DAYS_PER_YEAR for days, _ in follow_up) for y in (0, 1, 2, 5)
        },
        "curve": curve if at_risk else None,
    }


def report_table(
    levels: dict[str, FollowUp], *, endpoint: str = "recurrence", stratum: str = "margin"
) -> dict:
    """A table whose "all" row pools ``levels``; with no levels dict entries beyond one, only "all"."""
    pooled = [item for follow_up in levels.values() for item in follow_up]
    rows = [level_row("all", pooled)]
    if stratum != "all":
        rows.extend(level_row(level, follow_up) for level, follow_up in levels.items())
    return {
        "endpoint": endpoint,
        "stratum": stratum,
        "rows": rows,
        "logrank_p": 0.04 if len(rows) > 2 else None,
        "gray_p": 0.05 if len(rows) > 2 else None,
    }


def _curve(follow_up: FollowUp) -> dict:
    """Step points at 0 and at every observed time: 1-KM (competing censored) and Aalen-Johansen."""
    curve = {
        key: [] for key in ("time", "n_risk", "km", "km_lower", "km_upper", "aj", "aj_lower", "aj_upper")
    }
    survival = all_cause = 1.0
    incidence = 0.0

    def add(time: float, n_risk: int) -> None:
        curve["time"].append(time)
        curve["n_risk"].append(n_risk)
        curve["km"].append(1 - survival)
        curve["km_lower"].append(max(0.0, 1 - survival - 0.05))
        curve["km_upper"].append(min(1.0, 1 - survival + 0.05))
        curve["aj"].append(incidence)
        curve["aj_lower"].append(max(0.0, incidence - 0.05))
        curve["aj_upper"].append(min(1.0, incidence + 0.05))

    add(0.0, len(follow_up))
    for time in sorted({days for days, _ in follow_up if days > 0}):
        n_risk = sum(days >= time for days, _ in follow_up)
        events = sum(days == time and outcome == "event" for days, outcome in follow_up)
        competing = sum(days == time and outcome == "competing" for days, outcome in follow_up)
        survival *= 1 - events / n_risk
        incidence += all_cause * events / n_risk
        all_cause *= 1 - (events + competing) / n_risk
        add(float(time), n_risk)
    return curve


def _median_time(curve: dict) -> float | None:
    for time, value in zip(curve["time"], curve["km"], strict=False):
        if value >= 0.5:
            return time
    return None


def follow_up(
    events: int = 0, competing: int = 0, censored: int = 0, *, start: int = 30, step: int = 37
) -> FollowUp:
    """Made-up follow-up with the given counts, one tumor every ``step`` days, outcomes interleaved evenly."""
    spread = [
        ((i + 0.5) / count, outcome)
        for outcome, count in (("event", events), ("competing", competing), ("censored", censored))
        for i in range(count)
    ]
    return [(float(start + step * i), outcome) for i, (_, outcome) in enumerate(sorted(spread))]
