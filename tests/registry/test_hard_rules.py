"""Hard rules: full_clean() refuses with a message keyed to the field; a raw write hits the constraint."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.models import MolecularTest, Patient, Surgery, Tumor
from tests.factories import (
    DiseaseEventFactory,
    ImagingStudyFactory,
    InstitutionFactory,
    MolecularTestFactory,
    PatientFactory,
    SurgeryFactory,
    TreatmentFactory,
    TumorFactory,
)

pytestmark = pytest.mark.django_db
TOMORROW = dt.date.today() + dt.timedelta(days=1)


def refused_fields(instance) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    return set(refused.value.message_dict)


def raw_write_fails(instance) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def test_diagnosis_before_birth_is_refused_on_the_diagnosis_date():
    tumor = TumorFactory.build(
        patient=PatientFactory(date_of_birth=dt.date(2015, 1, 1)), date_of_diagnosis=dt.date(2014, 12, 1)
    )
    assert "date_of_diagnosis" in refused_fields(tumor)


def test_surgery_before_diagnosis_is_refused_on_the_date():
    surgery = SurgeryFactory.build(tumor=TumorFactory(), date=dt.date(2020, 1, 1))
    assert refused_fields(surgery) == {"date"}


def test_events_before_diagnosis_are_refused():
    event = DiseaseEventFactory.build(tumor=TumorFactory(), date=dt.date(2019, 12, 1))
    assert refused_fields(event) == {"date"}


def test_staging_imaging_up_to_180_days_before_diagnosis_is_allowed_but_not_more():
    tumor = TumorFactory()
    ImagingStudyFactory.build(
        tumor=tumor, purpose="staging", date=tumor.date_of_diagnosis - dt.timedelta(days=180)
    ).full_clean()
    early = ImagingStudyFactory.build(
        tumor=tumor, purpose="staging", date=tumor.date_of_diagnosis - dt.timedelta(days=181)
    )
    assert refused_fields(early) == {"date"}


def test_molecular_specimen_and_treatment_more_than_180_days_before_diagnosis_are_refused():
    tumor = TumorFactory()
    early = tumor.date_of_diagnosis - dt.timedelta(days=200)
    assert refused_fields(MolecularTestFactory.build(tumor=tumor, specimen_date=early)) == {"specimen_date"}
    assert refused_fields(TreatmentFactory.build(tumor=tumor, start_date=early)) == {"start_date"}


def test_death_before_other_dates_is_refused():
    tumor = TumorFactory()
    ImagingStudyFactory(tumor=tumor, date=dt.date(2021, 5, 1))
    patient = tumor.patient
    patient.vital_status, patient.date_of_death = 0, dt.date(2021, 1, 1)
    assert "date_of_death" in refused_fields(patient)
    later = SurgeryFactory.build(
        tumor=TumorFactory(
            patient=PatientFactory(
                vital_status=0, date_of_death=dt.date(2020, 4, 1), date_of_last_contact=dt.date(2020, 4, 1)
            )
        ),
        date=dt.date(2020, 5, 1),
    )
    assert refused_fields(later) == {"date"}


def test_death_before_birth_is_refused_and_the_constraint_backs_it():
    patient = PatientFactory.build(
        institution=InstitutionFactory(),
        vital_status=0,
        date_of_death=dt.date(2010, 1, 1),
        date_of_last_contact=None,
    )
    assert "date_of_death" in refused_fields(patient)
    raw_write_fails(patient)


def test_dates_in_the_future_are_refused():
    assert "date_of_diagnosis" in refused_fields(
        TumorFactory.build(patient=PatientFactory(), date_of_diagnosis=TOMORROW)
    )
    assert "date_of_last_contact" in refused_fields(
        PatientFactory.build(institution=InstitutionFactory(), date_of_last_contact=TOMORROW)
    )


def test_invalid_codes_are_refused_and_constraints_back_them():
    tumor = TumorFactory()
    tumor.behavior = 2
    assert "behavior" in refused_fields(tumor)
    raw_write_fails(tumor)
    tumor = TumorFactory()
    tumor.histology = 8000
    assert "histology" in refused_fields(tumor)
    raw_write_fails(tumor)
    test = MolecularTestFactory()
    test.gene = "KRAS"
    assert "gene" in refused_fields(test)
    raw_write_fails(test)


def test_topography_must_exist_in_icdo3_and_its_shape_is_a_constraint():
    tumor = TumorFactory.build(patient=PatientFactory(), primary_site="C99.9")
    assert "primary_site" in refused_fields(tumor)
    tumor = TumorFactory()
    Tumor.objects.filter(pk=tumor.pk).update(site_group="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tumor.objects.filter(pk=tumor.pk).update(primary_site="XYZ")


def test_resection_needs_a_margin_and_a_biopsy_has_none():
    tumor = TumorFactory()
    resection = Surgery(tumor=tumor, date=dt.date(2020, 3, 20), extent="complete", margin="")
    assert refused_fields(resection) == {"margin"}
    raw_write_fails(resection)
    biopsy = Surgery(tumor=tumor, date=dt.date(2020, 3, 20), extent="biopsy", margin="R0")
    assert refused_fields(biopsy) == {"margin"}
    raw_write_fails(biopsy)


def test_fish_counts_must_be_consistent():
    test = MolecularTest(
        tumor=TumorFactory(),
        specimen_date=dt.date(2020, 3, 20),
        gene="ALK",
        method="fish",
        result="positive",
        nuclei_counted=50,
        nuclei_rearranged=60,
    )
    assert refused_fields(test) == {"nuclei_rearranged"}
    raw_write_fails(test)


def test_size_is_1_to_989_mm_or_a_descriptive_code_not_both():
    patient = PatientFactory()
    assert "size_mm" in refused_fields(
        Tumor(patient=patient, date_of_diagnosis=dt.date(2020, 1, 1), primary_site="C48.1", size_mm=12000)
    )
    raw_write_fails(
        Tumor(patient=patient, date_of_diagnosis=dt.date(2020, 1, 1), primary_site="C48.1", size_mm=990)
    )
    both = Tumor(
        patient=patient,
        date_of_diagnosis=dt.date(2020, 1, 1),
        primary_site="C48.1",
        size_mm=20,
        size_code=991,
    )
    assert "size_code" in refused_fields(both)
    raw_write_fails(both)


def test_treatment_end_before_start_is_refused_and_constrained():
    treatment = TreatmentFactory.build(
        tumor=TumorFactory(), start_date=dt.date(2020, 5, 1), end_date=dt.date(2020, 4, 1)
    )
    assert "end_date" in refused_fields(treatment)
    raw_write_fails(treatment)


def test_a_patient_needs_an_mrn_with_institution_or_a_source_registry_id():
    patient = Patient(last_name="Nobody", sex=2)
    assert "medical_record_number" in refused_fields(patient)
    raw_write_fails(patient)


def test_mrn_is_unique_within_an_institution():
    first = PatientFactory(medical_record_number="MRN-1")
    duplicate = PatientFactory.build(institution=first.institution, medical_record_number="MRN-1")
    assert "__all__" in refused_fields(duplicate)
    raw_write_fails(duplicate)


def test_registry_numbers_are_never_reused_after_a_delete():
    first = PatientFactory()
    number = first.registry_number
    first.delete()
    assert PatientFactory().registry_number > number
