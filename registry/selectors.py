"""Reads of the record shared by validation, admin, services and the outcomes apps."""

from __future__ import annotations

from collections.abc import Iterator

from registry.dates import PartialDate
from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Surgery, Treatment, Tumor


def patient_record_dates(patient_id: int) -> Iterator[tuple[str, PartialDate]]:
    """Every dated record of a patient's tumors, labelled by kind (no values in the labels)."""
    for value, precision in Tumor.objects.filter(patient_id=patient_id).values_list(
        "date_of_diagnosis", "date_of_diagnosis_precision"
    ):
        yield "diagnosis", PartialDate.of(value, precision)
    for label, model, field in (
        ("surgery", Surgery, "date"),
        ("molecular specimen", MolecularTest, "specimen_date"),
        ("treatment start", Treatment, "start_date"),
        ("imaging", ImagingStudy, "date"),
        ("disease event", DiseaseEvent, "date"),
    ):
        precision_field = f"{field}_precision" if field != "date" else "date_precision"
        for value, precision in model.objects.filter(tumor__patient_id=patient_id).values_list(
            field, precision_field
        ):
            yield label, PartialDate.of(value, precision)
