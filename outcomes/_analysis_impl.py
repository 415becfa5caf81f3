"""Implementation of `outcomes.analysis.analysis_rows`: a fixed number of queries per batch of patients.

Per batch: one query for the tumors with their patient, institution and presentation; one each for
surgeries and disease events; and one aggregate per record table for the latest dates up to the
cut-off (imaging with a result, every dated table for the last contact). Rows are then shaped in
Python with the single definitions of `registry.derived`, so admin columns, reports and exports agree.

Partial dates are imputed (day 15, July 1) and never placed before the tumor's diagnosis. Aggregated
latest dates (imaging, molecular, treatment) use the stored first day of a partial date's period, which
only ever shortens follow-up, never lengthens it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from outcomes.analysis import CENSORED, COMPETING, EVENT, AnalysisRow
from registry import derived
from registry.dates import DAYS_PER_YEAR, impute
from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Surgery, Treatment, Tumor
from registry.vocabularies import ConsentStatus, EventType, SizeCode

# Plain-string sets: membership tests run several times per tumor on the hot path.
RECURRENCE_TYPES = frozenset(
    str(t) for t in (EventType.LOCAL_RECURRENCE, EventType.REGIONAL_RECURRENCE, EventType.DISTANT_METASTASIS)
)
LOCAL_TYPES = frozenset(str(t) for t in (EventType.LOCAL_RECURRENCE, EventType.REGIONAL_RECURRENCE))
DISTANT_TYPES = frozenset({str(EventType.DISTANT_METASTASIS)})
ANY_EVENT_TYPES = frozenset(str(t) for t in EventType.values)
NO_TYPES: frozenset[str] = frozenset()
DESCRIPTIVE_UNDER_5CM = {
    SizeCode.MICROSCOPIC,
    SizeCode.LESS_THAN_1CM,
    SizeCode.LESS_THAN_2CM,
    SizeCode.LESS_THAN_3CM,
    SizeCode.LESS_THAN_4CM,
    SizeCode.LESS_THAN_5CM,
}

TUMOR_FIELDS = (
    "id",
    "patient_id",
    "patient__registry_number",
    "tumor_record_number",
    "patient__institution__code",
    "patient__sex",
    "patient__date_of_birth",
    "patient__date_of_birth_precision",
    "date_of_diagnosis",
    "date_of_diagnosis_precision",
    "primary_site",
    "site_group",
    "variant",
    "behavior",
    "size_mm",
    "size_code",
    "alk_status",
    "ros1_status",
    "ntrk_status",
    "fusion_status",
    "metastatic_at_diagnosis",
    "presentation__id",
    "presentation__fever",
    "presentation__night_sweats",
    "presentation__weight_loss",
    "patient__date_of_death",
    "patient__date_of_death_precision",
    "patient__cause_of_death",
    "patient__date_of_last_contact",
    "patient__date_of_last_contact_precision",
)


def iter_analysis_rows(
    *, cut_off: dt.date | None, tumor_ids: Iterable[int] | QuerySet | None, chunk_size: int = 2000
) -> Iterator[AnalysisRow]:
    cut_off = cut_off or timezone.localdate()
    selection = _tumor_selection(tumor_ids)
    for patient_batch in _patient_batches(selection, chunk_size):
        wanted = None
        if selection is not None:
            # One query per batch: which of these patients' tumors were asked for.
            wanted = set(selection.filter(patient_id__in=patient_batch).values_list("pk", flat=True))
        yield from _rows_for_patients(patient_batch, cut_off, wanted)


def _tumor_selection(tumor_ids: Iterable[int] | QuerySet | None) -> QuerySet | None:
    """The asked-for tumors as a queryset, so that large selections stay subqueries, not IN lists."""
    if tumor_ids is None:
        return None
    if isinstance(tumor_ids, QuerySet):
        return Tumor.objects.filter(pk__in=tumor_ids.values("pk"))
    return Tumor.objects.filter(pk__in=list(tumor_ids))


def _patient_batches(selection: QuerySet | None, chunk_size: int) -> Iterator[list[int]]:
    patients = Patient.objects.exclude(consent_status=ConsentStatus.WITHDRAWN)
    if selection is not None:
        patients = patients.filter(pk__in=selection.values("patient_id"))
    # Keyset pagination over the primary key: bounded memory at any registry size.
    last = 0
    while True:
        batch = list(patients.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def _latest_by_tumor(queryset, cut_off: dt.date, **latest) -> dict[int, tuple]:
    """Per tumor, the latest of each named date expression up to the cut-off (one grouped query)."""
    return {
        row[0]: row[1:]
        for row in queryset.values("tumor_id").annotate(**latest).values_list("tumor_id", *latest)
    }


def _rows_for_patients(
    patient_ids: list[int], cut_off: dt.date, wanted_tumors: set[int] | None
) -> Iterator[AnalysisRow]:
    if wanted_tumors is None:
        # The whole registry: batches are consecutive primary keys, so a range (one index scan, no
        # long IN list) selects them; tumors of withdrawn patients inside the range are dropped below.
        patients_in_batch = set(patient_ids)
        tumor_scope = Q(patient_id__gte=patient_ids[0], patient_id__lte=patient_ids[-1])
        record_scope = Q(tumor__patient_id__gte=patient_ids[0], tumor__patient_id__lte=patient_ids[-1])
    else:
        patients_in_batch = None
        tumor_scope = Q(patient_id__in=patient_ids)
        record_scope = Q(tumor__patient_id__in=patient_ids)
    tumors = [
        values
        for values in Tumor.objects.filter(tumor_scope, date_of_diagnosis__lte=cut_off)
        .order_by("patient_id", "date_of_diagnosis", "tumor_record_number")
        .values_list(*TUMOR_FIELDS)
        if patients_in_batch is None or values[1] in patients_in_batch
    ]
    if not tumors:
        return
    surgeries: dict[int, list] = defaultdict(list)
    for tumor_id, pk, date, precision, extent, margin in Surgery.objects.filter(
        record_scope, date__lte=cut_off
    ).values_list("tumor_id", "id", "date", "date_precision", "extent", "margin"):
        surgeries[tumor_id].append((pk, date, precision, extent, margin))
    events: dict[int, list] = defaultdict(list)
    for tumor_id, event_type, date, precision in DiseaseEvent.objects.filter(
        record_scope, date__lte=cut_off
    ).values_list("tumor_id", "event_type", "date", "date_precision"):
        events[tumor_id].append((event_type, date, precision))
    imaging = _latest_by_tumor(
        ImagingStudy.objects.filter(record_scope, date__lte=cut_off),
        cut_off,
        assessed=Max("date", filter=~Q(result="")),
        imaged=Max("date"),
    )
    tested = _latest_by_tumor(
        MolecularTest.objects.filter(record_scope, specimen_date__lte=cut_off),
        cut_off,
        tested=Max("specimen_date"),
    )
    treated = _latest_by_tumor(
        Treatment.objects.filter(record_scope, start_date__lte=cut_off),
        cut_off,
        started=Max("start_date"),
        ended=Max("end_date", filter=Q(end_date__lte=cut_off)),
    )
    no_dates = (None, None)

    # Patient-level dates: last contact from every record of every tumor, death up to the cut-off.
    record_dates: dict[int, list[dt.date]] = defaultdict(list)
    first_tumor: dict[int, int] = {}
    shaped = []
    for values in tumors:
        tumor = dict(zip(TUMOR_FIELDS, values, strict=False))
        pk, patient_id = tumor["id"], tumor["patient_id"]
        diagnosis = impute(tumor["date_of_diagnosis"], tumor["date_of_diagnosis_precision"])
        if diagnosis > cut_off:
            continue  # a partial date of diagnosis imputed past the cut-off: not yet diagnosed then
        first_tumor.setdefault(patient_id, pk)
        # Records are selected on their stored first day; imputation can move a partial date past the
        # cut-off, and nothing dated after it counts.
        tumor_surgeries = [
            facts
            for facts in (
                derived.SurgeryFacts(s_pk, impute(date, precision, diagnosis), extent, margin)
                for s_pk, date, precision, extent, margin in surgeries[pk]
            )
            if facts.date <= cut_off
        ]
        tumor_events = sorted(
            (when, event_type)
            for when, event_type in (
                (impute(date, precision, diagnosis), event_type) for event_type, date, precision in events[pk]
            )
            if when <= cut_off
        )
        assessed, imaged = imaging.get(pk, no_dates)
        record_dates[patient_id].extend(
            [
                diagnosis,
                *(s.date for s in tumor_surgeries),
                *(d for d, _ in tumor_events),
                imaged,
                tested.get(pk, no_dates)[0],
                *treated.get(pk, no_dates),
            ]
        )
        last_assessment = derived.last_disease_assessment([assessed], [d for d, _ in tumor_events], cut_off)
        shaped.append((tumor, diagnosis, tumor_surgeries, tumor_events, last_assessment))

    for tumor, diagnosis, tumor_surgeries, tumor_events, last_assessment in shaped:
        if wanted_tumors is not None and tumor["id"] not in wanted_tumors:
            continue
        patient_id = tumor["patient_id"]
        death = impute(tumor["patient__date_of_death"], tumor["patient__date_of_death_precision"])
        if death is not None and death > cut_off:
            death = None
        last_contact = derived.last_contact(
            impute(tumor["patient__date_of_last_contact"], tumor["patient__date_of_last_contact_precision"]),
            record_dates[patient_id],
            death,
            cut_off,
        )
        yield _shape_row(
            tumor,
            diagnosis,
            tumor_surgeries,
            tumor_events,
            last_assessment,
            last_contact,
            death,
            cut_off,
            is_first=first_tumor[patient_id] == tumor["id"],
        )


def _days(start: dt.date, end: dt.date) -> float:
    return float(max((end - start).days, 0))


def _competing_risk(
    origin: dt.date,
    events: list[tuple[dt.date, str]],
    event_types,
    competing_types,
    death: dt.date | None,
    censor_at: dt.date | None,
    cut_off: dt.date,
) -> tuple[float, int, float]:
    """Time, status and potential follow-up for one endpoint from `origin`.

    Events strictly after the origin count; the first of an event of interest, a competing event, or death
    decides; otherwise the row is censored at `censor_at` (last disease assessment or last contact).
    Potential follow-up (Clark's completeness index) runs to the cut-off or death for a censored row; a
    row that ended in an event or a competing event was followed completely, to that event.
    """
    potential = _days(origin, min(death, cut_off) if death else cut_off)
    for when, event_type in events:
        if when <= origin:
            continue
        if death is not None and death < when:
            break
        if event_type in event_types:
            return _days(origin, when), EVENT, _days(origin, when)
        if event_type in competing_types:
            return _days(origin, when), COMPETING, _days(origin, when)
    if death is not None and death >= origin:
        return _days(origin, death), COMPETING, _days(origin, death)
    return _days(origin, censor_at or origin), CENSORED, potential


def _survival(
    origin: dt.date,
    events: list[tuple[dt.date, str]],
    event_types,
    death: dt.date | None,
    censor_at: dt.date | None,
    cut_off: dt.date,
) -> tuple[float, int, float]:
    potential = _days(origin, min(death, cut_off) if death else cut_off)
    for when, event_type in events:
        if when > origin and event_type in event_types and (death is None or when <= death):
            return _days(origin, when), EVENT, _days(origin, when)
    if death is not None and death >= origin:
        return _days(origin, death), EVENT, _days(origin, death)
    return _days(origin, censor_at or origin), CENSORED, potential


def _age_group(age: float | None) -> str | None:
    if age is None:
        return None
    return "<18" if age < 18 else ("18-39" if age < 40 else ">=40")


def _size_group(size_mm: int | None, size_code: int | None) -> str | None:
    if size_mm is not None:
        return "<50" if size_mm < 50 else ("50-100" if size_mm <= 100 else ">100")
    if size_code in DESCRIPTIVE_UNDER_5CM:
        return "<50"
    return None


def _shape_row(
    tumor: dict,
    diagnosis: dt.date,
    surgeries,
    events,
    last_assessment,
    last_contact,
    death,
    cut_off: dt.date,
    *,
    is_first: bool,
) -> AnalysisRow:
    birth = impute(tumor["patient__date_of_birth"], tumor["patient__date_of_birth_precision"])
    age = (diagnosis - birth).days / DAYS_PER_YEAR if birth else None
    definitive = derived.definitive_resection(surgeries)
    first = derived.first_resection(surgeries)
    metastatic = tumor["metastatic_at_diagnosis"]
    period_start = diagnosis.year - diagnosis.year % 5
    has_presentation = tumor["presentation__id"] is not None
    systemic = (
        bool(
            tumor["presentation__fever"]
            or tumor["presentation__night_sweats"]
            or tumor["presentation__weight_loss"]
        )
        if has_presentation
        else None
    )

    endpoints: dict[str, tuple | None] = dict.fromkeys(
        ("recurrence", "local_recurrence", "metastasis", "event_free_survival", "overall_survival")
    )
    if definitive is not None and not metastatic:
        endpoints["recurrence"] = _competing_risk(
            definitive.date, events, RECURRENCE_TYPES, NO_TYPES, death, last_assessment, cut_off
        )
        endpoints["local_recurrence"] = _competing_risk(
            definitive.date, events, LOCAL_TYPES, DISTANT_TYPES, death, last_assessment, cut_off
        )
    if not metastatic:
        endpoints["metastasis"] = _competing_risk(
            diagnosis, events, DISTANT_TYPES, NO_TYPES, death, last_assessment, cut_off
        )
    if is_first:
        endpoints["event_free_survival"] = _survival(
            diagnosis, events, ANY_EVENT_TYPES, death, last_assessment, cut_off
        )
        endpoints["overall_survival"] = _survival(diagnosis, [], NO_TYPES, death, last_contact, cut_off)

    values = {}
    for name, result in endpoints.items():
        time, status, potential = result if result else (None, None, None)
        values[f"{name}_time"], values[f"{name}_status"], values[f"{name}_potential_time"] = (
            time,
            status,
            potential,
        )

    return AnalysisRow(
        tumor_id=tumor["id"],
        patient_id=tumor["patient_id"],
        registry_number=tumor["patient__registry_number"],
        tumor_record_number=tumor["tumor_record_number"],
        is_first_tumor=is_first,
        institution=tumor["patient__institution__code"],
        sex=tumor["patient__sex"],
        age_at_diagnosis=age,
        age_group=_age_group(age),
        diagnosis_date=diagnosis,
        diagnosis_year=diagnosis.year,
        diagnosis_period=f"{period_start}-{period_start + 4}",
        primary_site=tumor["primary_site"],
        site_group=tumor["site_group"],
        variant=tumor["variant"],
        behavior=tumor["behavior"],
        size_mm=tumor["size_mm"],
        size_code=tumor["size_code"],
        size_group=_size_group(tumor["size_mm"], tumor["size_code"]),
        alk_status=tumor["alk_status"],
        ros1_status=tumor["ros1_status"],
        ntrk_status=tumor["ntrk_status"],
        fusion_status=tumor["fusion_status"],
        systemic_symptoms=systemic,
        metastatic_at_diagnosis=metastatic,
        first_resection_margin=first.margin if first else "none",
        definitive_margin=definitive.margin if definitive else None,
        definitive_resection_date=definitive.date if definitive else None,
        last_disease_assessment=last_assessment,
        last_contact=last_contact,
        death_date=death,
        cause_of_death=tumor["patient__cause_of_death"] if death else "",
        **values,
    )
