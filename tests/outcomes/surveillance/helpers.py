"""Builders shared by the surveillance tests: patients with a resected tumor, refreshed derived columns."""

import datetime as dt

from registry.services import record_changed
from tests.factories import PatientFactory, SurgeryFactory, TumorFactory

RESECTION = dt.date(2020, 3, 20)


def patient_with_tumor(*, site="C34.1", margin="R0", resection=RESECTION, size_mm=30, **patient_fields):
    patient = PatientFactory(**patient_fields)
    tumor = TumorFactory(
        patient=patient, primary_site=site, size_mm=size_mm, date_of_diagnosis=dt.date(2020, 3, 10)
    )
    if resection is not None:
        SurgeryFactory(tumor=tumor, date=resection, margin=margin)
    record_changed(tumor_ids=[tumor.pk])  # derived columns (on_commit does not run in `db` tests)
    return patient, tumor
