"""The analysis-row selector: every tumor turned into origins, times and statuses per endpoint, and strata.

Every report, export, schedule and reminder starts from these rows (DESIGN section 3 and 6). Times are in
days; status is 0 censored, 1 event, 2 competing event; an endpoint a tumor is not at risk for has
time and status None. Nothing dated after the cut-off counts. Withdrawn consent is excluded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields

ENDPOINTS = ("recurrence", "local_recurrence", "metastasis", "event_free_survival", "overall_survival")
CENSORED, EVENT, COMPETING = 0, 1, 2


@dataclass(slots=True)
class AnalysisRow:
    tumor_id: int
    patient_id: int
    registry_number: int
    tumor_record_number: int
    is_first_tumor: bool
    # Strata and descriptors
    institution: str | None  # institution code
    sex: int
    age_at_diagnosis: float | None  # years (365.25 days)
    age_group: str | None  # "<18", "18-39", ">=40"
    diagnosis_date: dt.date  # imputed
    diagnosis_year: int
    diagnosis_period: str  # 5-year bin, e.g. "2015-2019"
    primary_site: str
    site_group: str
    variant: str
    behavior: int
    size_mm: int | None
    size_code: int | None
    size_group: str | None  # "<50", "50-100", ">100"; None when unknown
    alk_status: str
    ros1_status: str
    ntrk_status: str
    fusion_status: str
    systemic_symptoms: bool | None  # None without a recorded presentation
    metastatic_at_diagnosis: bool
    first_resection_margin: str  # R0, R1, R2, RX or "none"
    definitive_margin: str | None  # R0 or R1 of the definitive resection, None without one
    definitive_resection_date: dt.date | None
    last_disease_assessment: dt.date | None  # up to the cut-off
    last_contact: dt.date | None  # up to the cut-off
    death_date: dt.date | None  # up to the cut-off
    cause_of_death: str
    # Endpoints: time (days), status (0/1/2), potential follow-up (days, origin to cut-off or death).
    recurrence_time: float | None
    recurrence_status: int | None
    recurrence_potential_time: float | None
    local_recurrence_time: float | None
    local_recurrence_status: int | None
    local_recurrence_potential_time: float | None
    metastasis_time: float | None
    metastasis_status: int | None
    metastasis_potential_time: float | None
    event_free_survival_time: float | None
    event_free_survival_status: int | None
    event_free_survival_potential_time: float | None
    overall_survival_time: float | None
    overall_survival_status: int | None
    overall_survival_potential_time: float | None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


ANALYSIS_COLUMNS = tuple(f.name for f in fields(AnalysisRow))


def analysis_rows(
    *, cut_off: dt.date | None = None, tumor_ids=None, chunk_size: int = 10000
) -> Iterator[AnalysisRow]:
    """Stream analysis rows for every tumor (or the given ones: ids or a Tumor queryset) at the cut-off
    date (default today), ordered by patient. Patients are read in batches of `chunk_size`: large enough
    that PostgreSQL's hash joins over the record tables run a few times per registry, not per page."""
    from outcomes._analysis_impl import iter_analysis_rows

    return iter_analysis_rows(cut_off=cut_off, tumor_ids=tumor_ids, chunk_size=chunk_size)
