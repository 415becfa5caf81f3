"""Queries of the registry-file exports (NAACCR XML, FHIR): the record in chunks, withdrawn consent left out."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from registry.models import (
    DiseaseEvent,
    ImagingStudy,
    MolecularTest,
    Patient,
    Surgery,
    Treatment,
    Tumor,
)
from registry.vocabularies import ConsentStatus

CHUNK_SIZE = 500

PATIENT_FIELDS = (
    "id",
    "registry_number",
    "medical_record_number",
    "last_name",
    "first_name",
    "date_of_birth",
    "date_of_birth_precision",
    "sex",
    "race",
    "hispanic_origin",
    "vital_status",
    "date_of_death",
    "date_of_death_precision",
    "date_of_last_contact",
    "date_of_last_contact_precision",
    "last_contact",
)


def exportable_patients():
    """Patients a registry file may carry: everyone but those who withdrew consent (DESIGN section 4)."""
    return Patient.objects.exclude(consent_status=ConsentStatus.WITHDRAWN)


def naaccr_patient_chunks(*, chunk_size: int = CHUNK_SIZE) -> Iterator[list[Patient]]:
    """Patients in registry-number order, `chunk_size` at a time, each with its tumors and their
    surgeries, events and molecular tests: five queries per chunk, whatever the chunk holds.

    Keyset pagination on the registry number (unique, indexed) keeps each chunk's query cheap and lets a
    long export run outside one transaction without skipping or repeating a patient.
    """
    tumors = Tumor.objects.order_by("tumor_record_number").prefetch_related(
        Prefetch("surgeries", queryset=Surgery.objects.order_by("date", "id")),
        Prefetch("events", queryset=DiseaseEvent.objects.order_by("date", "id")),
        Prefetch("molecular_tests", queryset=MolecularTest.objects.order_by("specimen_date", "id")),
    )
    patients = exportable_patients().order_by("registry_number").only(*PATIENT_FIELDS)
    return _keyset_chunks(patients, tumors, chunk_size)


def _keyset_chunks(patients, tumors, chunk_size: int) -> Iterator[list[Patient]]:
    """`patients` (ordered by registry number) with their `tumors` prefetched, `chunk_size` at a time."""
    last = 0
    while True:
        chunk = list(
            patients.filter(registry_number__gt=last).prefetch_related(Prefetch("tumors", queryset=tumors))[
                :chunk_size
            ]
        )
        if chunk:
            yield chunk
        if len(chunk) < chunk_size:
            return
        last = chunk[-1].registry_number


FHIR_PATIENT_FIELDS = (
    "id",
    "registry_number",
    "institution__code",
    "medical_record_number",
    "last_name",
    "first_name",
    "date_of_birth",
    "date_of_birth_precision",
    "sex",
    "vital_status",
    "date_of_death",
    "date_of_death_precision",
)


def fhir_patient_chunks(*, chunk_size: int = CHUNK_SIZE) -> Iterator[list[Patient]]:
    """Patients in registry-number order, `chunk_size` at a time, each with its tumors and their surgeries,
    molecular tests, imaging studies and treatments: six queries per chunk, whatever the chunk holds.

    Keyset pagination on the registry number, as for the NAACCR file.
    """
    tumors = Tumor.objects.order_by("tumor_record_number").prefetch_related(
        Prefetch("surgeries", queryset=Surgery.objects.order_by("date", "id")),
        Prefetch("molecular_tests", queryset=MolecularTest.objects.order_by("specimen_date", "id")),
        Prefetch("imaging_studies", queryset=ImagingStudy.objects.order_by("date", "id")),
        Prefetch("treatments", queryset=Treatment.objects.order_by("start_date", "id")),
    )
    patients = (
        exportable_patients()
        .order_by("registry_number")
        .select_related("institution")
        .only(*FHIR_PATIENT_FIELDS)
    )
    return _keyset_chunks(patients, tumors, chunk_size)
