"""Bulk assignment of a coordinator to patients, with history (the registry admin's "new center" step)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from simple_history.utils import bulk_update_with_history

from registry.models import Patient
from registry.services import record_changed


def patients_assign_coordinator(*, patient_ids: Iterable[int], coordinator, changed_by) -> int:
    """Give these patients `coordinator`; each change gets a history row naming `changed_by`."""
    ids = list(patient_ids)
    with transaction.atomic():
        patients = list(Patient.objects.filter(pk__in=ids).exclude(coordinator=coordinator))
        for patient in patients:
            patient.coordinator = coordinator
        if patients:
            bulk_update_with_history(
                patients, Patient, ["coordinator"], batch_size=500, default_user=changed_by
            )
            changed = [p.pk for p in patients]
            # bulk_update sends no signals: bring findings ("no coordinator") up to date ourselves.
            transaction.on_commit(lambda: record_changed(patient_ids=changed))
    return len(patients)
