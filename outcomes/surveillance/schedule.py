"""Schedule arithmetic and plan assignment as pure functions (no queries), so they test on plain values.

Month arithmetic clamps to month ends (Jan 31 + 1 month = Feb 28/29; Feb 29 + 12 months = Feb 28).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from registry.vocabularies import Margin, SiteGroup, Variant

ADULT_AGE_YEARS = 18
LARGE_TUMOR_MM = 80


def add_months(value: dt.date, months: int) -> dt.date:
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def months_elapsed(anchor: dt.date, on: dt.date) -> int:
    """Whole months from the anchor to `on`: the largest m with add_months(anchor, m) <= on."""
    if on < anchor:
        return 0
    months = (on.year - anchor.year) * 12 + (on.month - anchor.month)
    while months > 0 and add_months(anchor, months) > on:
        months -= 1
    return months


@dataclass(frozen=True)
class Phase:
    from_month: int
    until_month: int | None  # None: open-ended
    interval_months: int

    def contains(self, month: int) -> bool:
        return self.from_month <= month and (self.until_month is None or month < self.until_month)

    @property
    def label(self) -> str:
        until = f"month {self.until_month}" if self.until_month is not None else "open-ended"
        return f"every {self.interval_months} months, month {self.from_month} to {until}"


@dataclass(frozen=True)
class NextDue:
    due_date: dt.date
    phase: Phase


def next_due(*, anchor: dt.date, last_study: dt.date | None, phases: Sequence[Phase]) -> NextDue | None:
    """The later of the anchor and the last study, plus the interval of the phase that date falls in.

    None when that date lies past the last phase: surveillance has ended.
    """
    base = max(anchor, last_study) if last_study else anchor
    month = months_elapsed(anchor, base)
    for phase in phases:
        if phase.contains(month):
            return NextDue(add_months(base, phase.interval_months), phase)
    return None


def item_state(
    *,
    due_date: dt.date,
    window_start: dt.date,
    as_of: dt.date,
    scheduled_date: dt.date | None,
    grace_days: int = 30,
) -> str:
    """State of an open item on `as_of` (DESIGN 7): a scheduled date holds until it is `grace_days` past;
    then the item is overdue or escalated like any other."""
    from outcomes.surveillance.models import ItemState

    if scheduled_date is not None and as_of <= scheduled_date + dt.timedelta(days=grace_days):
        return ItemState.SCHEDULED
    if as_of < window_start:
        return ItemState.PLANNED
    if as_of < due_date:
        return ItemState.UPCOMING
    late = (as_of - due_date).days
    if late > 90:
        return ItemState.ESCALATED
    if late > 30:
        return ItemState.OVERDUE
    return ItemState.DUE


@dataclass
class TumorFacts:
    """What plan assignment needs to know about one tumor, as of a date."""

    tumor_id: int
    diagnosis_date: dt.date
    site_group: str
    primary_site: str = ""
    variant: str = Variant.CONVENTIONAL
    size_mm: int | None = None
    alk_status: str = "unknown"
    age_at_diagnosis: float | None = None
    metastatic_at_diagnosis: bool = False
    definitive_resection_date: dt.date | None = None
    definitive_margin: str | None = None
    margins: set[str] = field(default_factory=set)
    has_event: bool = False
    on_systemic_therapy: bool = False

    @property
    def anchor(self) -> dt.date:
        return self.definitive_resection_date or self.diagnosis_date


@dataclass(frozen=True)
class Assignment:
    plan_code: str
    reason: str


def assign_plan(tumor: TumorFacts) -> Assignment:
    """Rule-based plan of one tumor (DESIGN 7): active disease, else high risk, else standard."""
    from outcomes.surveillance.models import SurveillancePlan

    active = []
    if tumor.definitive_resection_date is None:
        active.append("no definitive resection")
    if tumor.has_event:
        active.append("recurrence or metastasis")
    if tumor.metastatic_at_diagnosis:
        active.append("metastatic at diagnosis")
    if tumor.on_systemic_therapy:
        active.append("on systemic therapy")
    if active:
        return Assignment(SurveillancePlan.ACTIVE_DISEASE, "Active disease: " + ", ".join(active))
    high = []
    if tumor.definitive_margin == Margin.R1:
        high.append("R1 resection")
    if Margin.R2 in tumor.margins:
        high.append("R2 resection")
    if tumor.site_group == SiteGroup.ABDOMEN_PELVIS:
        high.append("abdominal, pelvic or retroperitoneal site")
    if tumor.variant == Variant.EPITHELIOID:
        high.append("epithelioid variant")
    if tumor.size_mm is not None and tumor.size_mm > LARGE_TUMOR_MM:
        high.append(f"larger than {LARGE_TUMOR_MM} mm")
    if (
        tumor.alk_status == "negative"
        and tumor.age_at_diagnosis is not None
        and tumor.age_at_diagnosis >= ADULT_AGE_YEARS
    ):
        high.append("ALK-negative adult")
    if high:
        return Assignment(SurveillancePlan.HIGH_RISK, "High risk: " + ", ".join(high))
    return Assignment(SurveillancePlan.STANDARD, "Standard: completely resected, no risk factor")


def driving_tumor(assigned: Iterable[tuple[TumorFacts, Assignment]], intensity: dict[str, int]):
    """The tumor whose plan is the most intensive (ties: the later anchor, then the later tumor)."""
    return max(
        assigned,
        key=lambda pair: (intensity.get(pair[1].plan_code, 0), pair[0].anchor, pair[0].tumor_id),
    )
