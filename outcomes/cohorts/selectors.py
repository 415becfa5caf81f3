"""Reads of cohorts: criteria applied to tumors, preview counts and attrition, keys, the export log.

`cohort_tumors(criteria)` is the one place criteria become SQL: indexed tumor columns, plus EXISTS
subqueries for treatments and events; withdrawn consent is always excluded. Other apps (outcome
reports) use it together with `criteria_fingerprint`.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear

from outcomes.cohorts.criteria import (  # noqa: F401  (re-exported)
    CRITERIA_ORDER,
    TOP_CODED_AGE,
    criteria_fingerprint,
)
from outcomes.cohorts.models import Cohort, ExportLog
from registry.api.permissions import has_role
from registry.models import DiseaseEvent, Surgery, Treatment, Tumor
from registry.roles import REGISTRY_ADMIN
from registry.vocabularies import ConsentStatus, SurgeryExtent


def eligible_tumors() -> QuerySet[Tumor]:
    """Every tumor that may appear in a cohort or export: withdrawn consent never does."""
    return Tumor.objects.exclude(patient__consent_status=ConsentStatus.WITHDRAWN)


def _age_in_completed_years():
    """Completed years between birth and diagnosis, computed with date parts both databases share."""
    dx_month_day = ExtractMonth("date_of_diagnosis") * 100 + ExtractDay("date_of_diagnosis")
    birth_month_day = ExtractMonth("patient__date_of_birth") * 100 + ExtractDay("patient__date_of_birth")
    before_birthday = Case(
        When(Q(cohort_dx_md__lt=F("cohort_birth_md")), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return dx_month_day, birth_month_day, before_birthday


def first_resection_margin_subquery():
    """Margin of a tumor's first resection (biopsies are not resections), "none" without one."""
    first = (
        Surgery.objects.filter(tumor=OuterRef("pk"))
        .exclude(extent=SurgeryExtent.BIOPSY)
        .order_by("date", "id")
    )
    return Coalesce(Subquery(first.values("margin")[:1]), Value("none"))


def _diagnosis_date_filter(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
    if "diagnosis_date_from" in c:
        queryset = queryset.filter(date_of_diagnosis__gte=c["diagnosis_date_from"])
    if "diagnosis_date_to" in c:
        queryset = queryset.filter(date_of_diagnosis__lte=c["diagnosis_date_to"])
    return queryset


def _age_at_diagnosis_filter(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
    dx_month_day, birth_month_day, before_birthday = _age_in_completed_years()
    queryset = (
        queryset.filter(patient__date_of_birth__isnull=False)
        .annotate(
            cohort_dx_md=dx_month_day,
            cohort_birth_md=birth_month_day,
        )
        .annotate(
            cohort_age_years=ExtractYear("date_of_diagnosis")
            - ExtractYear("patient__date_of_birth")
            - before_birthday
        )
    )
    if "age_at_diagnosis_min" in c:
        queryset = queryset.filter(cohort_age_years__gte=c["age_at_diagnosis_min"])
    if "age_at_diagnosis_max" in c and c["age_at_diagnosis_max"] < TOP_CODED_AGE:  # 90 means 90 and over
        queryset = queryset.filter(cohort_age_years__lte=c["age_at_diagnosis_max"])
    return queryset


def _topography_filter(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
    prefixes = Q()
    for prefix in c["topography_prefix"]:
        prefixes |= Q(primary_site__startswith=prefix)
    return queryset.filter(prefixes)


def _size_filter(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
    if "size_mm_min" in c:
        queryset = queryset.filter(size_mm__gte=c["size_mm_min"])
    if "size_mm_max" in c:
        queryset = queryset.filter(size_mm__lte=c["size_mm_max"])
    return queryset


def _first_resection_margin_filter(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
    return queryset.annotate(cohort_first_margin=first_resection_margin_subquery()).filter(
        cohort_first_margin__in=c["first_resection_margin"]
    )


def _definitive_margin_filter(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
    wanted = Q(definitive_resection__margin__in=[m for m in c["definitive_margin"] if m != "none"])
    if "none" in c["definitive_margin"]:
        wanted |= Q(definitive_resection__isnull=True)
    return queryset.filter(wanted)


def _exists_filter(model, field: str, criterion: str):
    """A filter keeping tumors with at least one related ``model`` row whose ``field`` is listed."""

    def apply(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
        related = model.objects.filter(tumor=OuterRef("pk"), **{f"{field}__in": c[criterion]})
        return queryset.filter(Exists(related))

    return apply


def _in_filter(lookup: str, criterion: str):
    """A filter keeping tumors whose ``lookup`` is one of the listed values."""

    def apply(queryset: QuerySet[Tumor], c: dict) -> QuerySet[Tumor]:
        return queryset.filter(**{f"{lookup}__in": c[criterion]})

    return apply


# One filter per step of CRITERIA_ORDER (a step without one fails loudly, not silently unfiltered).
_STEP_FILTERS = {
    "diagnosis_date": _diagnosis_date_filter,
    "age_at_diagnosis": _age_at_diagnosis_filter,
    "sex": _in_filter("patient__sex", "sex"),
    "site_group": _in_filter("site_group", "site_group"),
    "topography": _topography_filter,
    "variant": _in_filter("variant", "variant"),
    "size": _size_filter,
    "metastatic_at_diagnosis": lambda queryset, c: queryset.filter(
        metastatic_at_diagnosis=c["metastatic_at_diagnosis"]
    ),
    "first_resection_margin": _first_resection_margin_filter,
    "definitive_margin": _definitive_margin_filter,
    "alk_status": _in_filter("alk_status", "alk_status"),
    "ros1_status": _in_filter("ros1_status", "ros1_status"),
    "ntrk_status": _in_filter("ntrk_status", "ntrk_status"),
    "fusion_status": _in_filter("fusion_status", "fusion_status"),
    "treatment_category": _exists_filter(Treatment, "category", "treatment_category"),
    "treatment_agent": _exists_filter(Treatment, "agent", "treatment_agent"),
    "institution": _in_filter("patient__institution__code", "institution"),
    "event_type": _exists_filter(DiseaseEvent, "event_type", "event_type"),
}


def _criterion_filter(queryset: QuerySet[Tumor], step: str, criteria: dict) -> QuerySet[Tumor]:
    return _STEP_FILTERS[step](queryset, criteria)


def _steps(criteria: dict):
    for step, names, label in CRITERIA_ORDER:
        if any(name in criteria for name in names):
            yield step, names, label


def cohort_tumors(criteria: dict) -> QuerySet[Tumor]:
    """Tumors meeting validated criteria (see `outcomes.cohorts.criteria.validate_criteria`)."""
    queryset = eligible_tumors()
    for step, _names, _label in _steps(criteria):
        queryset = _criterion_filter(queryset, step, criteria)
    return queryset


def cohort_preview(criteria: dict) -> dict:
    """Counts (tumors, patients) and the attrition table: tumors left after each criterion in turn.

    One count query per criterion given, whatever the number of tumors.
    """
    queryset = eligible_tumors()
    attrition = [
        {
            "step": "all",
            "label": "All tumors (withdrawn consent excluded)",
            "criteria": {},
            "tumors": queryset.count(),
        }
    ]
    for step, names, label in _steps(criteria):
        queryset = _criterion_filter(queryset, step, criteria)
        count = queryset.count()
        attrition.append(
            {
                "step": step,
                "label": label,
                "criteria": {n: criteria[n] for n in names if n in criteria},
                "tumors": count,
                "excluded": attrition[-1]["tumors"] - count,
            }
        )
    attrition[0]["excluded"] = 0
    return {
        "criteria": criteria,
        "criteria_fingerprint": criteria_fingerprint(criteria),
        "tumors": attrition[-1]["tumors"],
        "patients": queryset.values("patient_id").distinct().count(),
        "attrition": attrition,
    }


def cohorts_visible_to(user) -> QuerySet[Cohort]:
    """Epidemiologists see their own cohorts; registry admins see all."""
    queryset = Cohort.objects.select_related("owner")
    if has_role(user, REGISTRY_ADMIN):
        return queryset
    return queryset.filter(owner=user)


def export_log_list() -> QuerySet[ExportLog]:
    return ExportLog.objects.select_related("user", "cohort")


def deidentified_tumors(criteria: dict) -> QuerySet[Tumor]:
    """Cohort tumors with what the de-identified list shows, in a fixed order for stable pages."""
    return (
        cohort_tumors(criteria)
        .select_related("patient__institution", "definitive_resection")
        .annotate(first_resection_margin=first_resection_margin_subquery())
        .order_by("pk")
    )


def deidentified_tumor_rows(tumors: list[Tumor], *, keys) -> list[dict]:
    """Shape a page of tumors without identifiers: keys, year of diagnosis, days since diagnosis."""
    from outcomes.cohorts.deidentify import age_years, days_between, released_age
    from registry.dates import impute

    keys.load("patient", (t.patient_id for t in tumors))
    keys.load("tumor", (t.pk for t in tumors))
    rows = []
    for tumor in tumors:
        patient = tumor.patient
        origin = tumor.diagnosis_date_imputed
        birth = impute(patient.date_of_birth, patient.date_of_birth_precision)
        death = impute(patient.date_of_death, patient.date_of_death_precision)
        recorded_contact = impute(patient.date_of_last_contact, patient.date_of_last_contact_precision)
        follow_up_end = death or max(filter(None, (patient.last_contact, recorded_contact)), default=None)
        age, band = released_age(age_years(birth, origin), age_years(birth, follow_up_end))
        resection = tumor.definitive_resection
        rows.append(
            {
                "patient_key": keys.patient(tumor.patient_id),
                "tumor_key": keys.tumor(tumor.pk),
                "diagnosis_year": origin.year,
                "age_at_diagnosis": age,
                "age_band": band,
                "sex": patient.sex,
                "institution": patient.institution.code if patient.institution else None,
                "primary_site": tumor.primary_site,
                "site_group": tumor.site_group,
                "variant": tumor.variant,
                "behavior": tumor.behavior,
                "size_mm": tumor.size_mm,
                "size_code": tumor.size_code,
                "metastatic_at_diagnosis": tumor.metastatic_at_diagnosis,
                "alk_status": tumor.alk_status,
                "ros1_status": tumor.ros1_status,
                "ntrk_status": tumor.ntrk_status,
                "fusion_status": tumor.fusion_status,
                "first_resection_margin": tumor.first_resection_margin,
                "definitive_margin": resection.margin if resection else "none",
                "definitive_resection_day": days_between(
                    origin, impute(resection.date, resection.date_precision, floor=origin)
                )
                if resection
                else None,
                "last_disease_assessment_day": days_between(origin, tumor.last_disease_assessment),
                "last_contact_day": days_between(origin, patient.last_contact),
                "vital_status": patient.vital_status,
            }
        )
    return rows
