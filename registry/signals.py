"""Keep derived columns current on every single-row write, whatever the entry path (admin, API,
shell). Receivers only dispatch to `registry.services.record_changed`; bulk paths call it themselves."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Surgery, Treatment, Tumor
from registry.services import record_changed

TUMOR_CHILDREN = (Surgery, MolecularTest, Treatment, ImagingStudy, DiseaseEvent)


def _schedule(tumor_ids=(), patient_ids=()) -> None:
    tumor_ids, patient_ids = set(tumor_ids), set(patient_ids)
    transaction.on_commit(lambda: record_changed(tumor_ids=tumor_ids, patient_ids=patient_ids))


@receiver(post_save)
@receiver(post_delete)
def clinical_record_changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    if sender in TUMOR_CHILDREN:
        _schedule(tumor_ids=[instance.tumor_id])
    elif sender is Tumor:
        _schedule(tumor_ids=[instance.pk], patient_ids=[instance.patient_id])
    elif sender is Patient and kwargs.get("signal") is not post_delete:
        _schedule(patient_ids=[instance.pk])
