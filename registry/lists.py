"""Querysets for the registrar's lists (admin changelists and the record API): each owns its joins and
annotations so a page of rows costs the same few queries whatever its length."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from registry.models import ImagingStudy, Patient, Surgery, Tumor
from registry.quality.models import Finding, FindingState
from registry.vocabularies import SurgeryExtent


def open_finding_count(owner: str = "patient") -> Coalesce:
    """Open findings per row as a correlated count: no GROUP BY over the page, and the paginator's
    COUNT(*) can drop it."""
    counted = (
        Finding.objects.filter(**{owner: OuterRef("pk")}, state=FindingState.OPEN)
        .order_by()
        .values(owner)
        .annotate(open=Count("pk"))
        .values("open")
    )
    return Coalesce(Subquery(counted), 0)


def margin_of_record() -> Coalesce:
    """The margin NAACCR 1320 reports: of the definitive resection, else of the last resection."""
    last_resection = Subquery(
        Surgery.objects.filter(tumor=OuterRef("pk"))
        .exclude(extent=SurgeryExtent.BIOPSY)
        .order_by("-date", "-id")
        .values("margin")[:1]
    )
    return Coalesce(F("definitive_resection__margin"), last_resection)


def patient_list(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Patient.objects.all() if queryset is None else queryset
    return queryset.select_related("institution", "coordinator").annotate(
        open_finding_count=open_finding_count()
    )


def tumor_list(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Tumor.objects.all() if queryset is None else queryset
    return queryset.select_related("patient").annotate(
        margin_of_record=margin_of_record(), open_finding_count=open_finding_count("tumor")
    )


def tumor_records(queryset: QuerySet | None = None, *, with_imaging: bool = True) -> QuerySet:
    """Tumors with everything the record API nests: one query per kind of record per page. Lists leave
    the imaging series out (it is most of the rows) and give its count; one tumor carries it whole."""
    records = ["surgeries", "molecular_tests", "treatments", "events"]
    queryset = tumor_list(queryset).select_related("patient__institution", "presentation")
    if with_imaging:
        return queryset.prefetch_related(*records, "imaging_studies")
    imaging_count = (
        ImagingStudy.objects.filter(tumor=OuterRef("pk"))
        .order_by()
        .values("tumor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.prefetch_related(*records).annotate(imaging_count=Coalesce(Subquery(imaging_count), 0))


def finding_list() -> QuerySet:
    return Finding.objects.select_related("patient", "tumor", "state_changed_by")
