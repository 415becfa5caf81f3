"""Services that write the record: numbering, and refreshing derived columns after a change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max

from registry import derived
from registry.dates import impute
from registry.models import (
    DiseaseEvent,
    ImagingStudy,
    MolecularTest,
    Patient,
    RegistryNumberSequence,
    Surgery,
    Treatment,
    Tumor,
)

REGISTRY_NUMBER_SEQUENCE = "patient_registry_number"
REFRESH_BATCH = 2000


def allocate_registry_numbers(count: int) -> list[int]:
    """Reserve `count` registry numbers; a number once handed out is never reused."""
    with transaction.atomic():
        sequence, _ = RegistryNumberSequence.objects.select_for_update().get_or_create(
            name=REGISTRY_NUMBER_SEQUENCE
        )
        if sequence.last_value == 0:
            # Start above any number already present (imports that set numbers explicitly).
            existing = Patient.objects.aggregate(top=Max("registry_number"))["top"] or 0
            sequence.last_value = existing
        first = sequence.last_value + 1
        sequence.last_value += count
        sequence.save(update_fields=["last_value"])
    return list(range(first, first + count))


def next_tumor_record_number(patient_id: int | None) -> int:
    if patient_id is None:
        return 1
    top = Tumor.objects.filter(patient_id=patient_id).aggregate(top=Max("tumor_record_number"))["top"]
    return (top or 0) + 1


def tumor_refresh_derived(*, tumor_ids: Iterable[int]) -> None:
    """Recompute gene status, definitive resection and last disease assessment of the given tumors.

    A fixed number of queries per batch of tumors, whatever their number of records.
    """
    ids = sorted(set(tumor_ids))
    for start in range(0, len(ids), REFRESH_BATCH):
        _refresh_tumor_batch(ids[start : start + REFRESH_BATCH])


def _refresh_tumor_batch(ids: list[int]) -> None:
    tumors = {
        t.pk: t
        for t in Tumor.objects.filter(pk__in=ids).only(
            "id",
            "patient_id",
            "date_of_diagnosis",
            "date_of_diagnosis_precision",
            "alk_status",
            "ros1_status",
            "ntrk_status",
            "fusion_status",
            "definitive_resection_id",
            "last_disease_assessment",
        )
    }
    tests = defaultdict(list)
    for tumor_id, gene, method, result in MolecularTest.objects.filter(tumor_id__in=ids).values_list(
        "tumor_id", "gene", "method", "result"
    ):
        tests[tumor_id].append(derived.TestOutcome(gene, method, result))
    surgeries = defaultdict(list)
    for pk, tumor_id, date, precision, extent, margin in Surgery.objects.filter(tumor_id__in=ids).values_list(
        "id", "tumor_id", "date", "date_precision", "extent", "margin"
    ):
        surgeries[tumor_id].append(derived.SurgeryFacts(pk, impute(date, precision), extent, margin))
    assessments = defaultdict(list)
    for tumor_id, date, precision in (
        ImagingStudy.objects.filter(tumor_id__in=ids)
        .exclude(result="")
        .values_list("tumor_id", "date", "date_precision")
    ):
        assessments[tumor_id].append(impute(date, precision))
    for tumor_id, date, precision in DiseaseEvent.objects.filter(tumor_id__in=ids).values_list(
        "tumor_id", "date", "date_precision"
    ):
        assessments[tumor_id].append(impute(date, precision))

    changed = []
    for pk, tumor in tumors.items():
        values = derived.tumor_gene_statuses(tests[pk])
        resection = derived.definitive_resection(surgeries[pk])
        values["definitive_resection_id"] = resection.id if resection else None
        values["last_disease_assessment"] = derived.last_disease_assessment(assessments[pk], [])
        if any(getattr(tumor, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(tumor, field, value)
            changed.append(tumor)
    if changed:
        # Derived columns are excluded from history; they are recomputed, never edited.
        Tumor.objects.bulk_update(
            changed,
            [
                "alk_status",
                "ros1_status",
                "ntrk_status",
                "fusion_status",
                "definitive_resection_id",
                "last_disease_assessment",
            ],
        )
    patient_refresh_derived(patient_ids={t.patient_id for t in tumors.values()})


def patient_refresh_derived(*, patient_ids: Iterable[int]) -> None:
    """Recompute each patient's last contact: latest of last contact, any dated record, death."""
    ids = sorted(set(patient_ids))
    for start in range(0, len(ids), REFRESH_BATCH):
        batch = ids[start : start + REFRESH_BATCH]
        record_dates = defaultdict(list)
        for model, field in (
            (Tumor, "date_of_diagnosis"),
            (Surgery, "date"),
            (MolecularTest, "specimen_date"),
            (Treatment, "start_date"),
            (Treatment, "end_date"),
            (ImagingStudy, "date"),
            (DiseaseEvent, "date"),
        ):
            patient_path = "patient_id" if model is Tumor else "tumor__patient_id"
            precision = f"{field}_precision" if field not in ("date",) else "date_precision"
            for patient_id, value, value_precision in model.objects.filter(
                **{f"{patient_path}__in": batch}
            ).values_list(patient_path, field, precision):
                record_dates[patient_id].append(impute(value, value_precision))
        changed = []
        for patient in Patient.objects.filter(pk__in=batch).only(
            "id",
            "date_of_last_contact",
            "date_of_last_contact_precision",
            "date_of_death",
            "date_of_death_precision",
            "last_contact",
        ):
            value = derived.last_contact(
                impute(patient.date_of_last_contact, patient.date_of_last_contact_precision),
                record_dates[patient.pk],
                impute(patient.date_of_death, patient.date_of_death_precision),
            )
            if value != patient.last_contact:
                patient.last_contact = value
                changed.append(patient)
        if changed:
            Patient.objects.bulk_update(changed, ["last_contact"])


_record_change_listeners: list = []


def on_record_changed(listener) -> None:
    """Register a callable(tumor_ids, patient_ids) run after derived columns are refreshed
    (the data-quality findings use it). Registration keeps `registry` free of later layers."""
    if listener not in _record_change_listeners:
        _record_change_listeners.append(listener)


def record_changed(*, tumor_ids: Iterable[int] = (), patient_ids: Iterable[int] = ()) -> None:
    """Bring everything derived from the record up to date after a write to these tumors/patients."""
    tumor_ids, patient_ids = set(tumor_ids), set(patient_ids)
    if tumor_ids:
        tumor_refresh_derived(tumor_ids=tumor_ids)
        patient_ids |= set(Tumor.objects.filter(pk__in=tumor_ids).values_list("patient_id", flat=True))
    if patient_ids:
        patient_refresh_derived(patient_ids=patient_ids)
    for listener in _record_change_listeners:
        listener(tumor_ids=tumor_ids, patient_ids=patient_ids)
