"""A small synthetic registry where each tumor differs from the others in every cohort criterion."""

import datetime as dt

from registry.services import record_changed
from registry.vocabularies import ConsentStatus
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

CUT_OFF = dt.date(2024, 1, 1)


def build_registry() -> dict:
    """Tumors a (abdominal ALK+ child), b (lung, metastatic, ROS1+), c (head and neck, NTRK+),
    d (trunk, ALK-negative), w (withdrawn consent, otherwise like a). Returns tumors by letter."""
    inst1 = InstitutionFactory(code="INST001")
    inst2 = InstitutionFactory(code="INST002")
    tumors = {}

    a = TumorFactory(
        patient=PatientFactory(
            institution=inst1,
            sex=2,
            date_of_birth=dt.date(2005, 6, 1),
            last_name="Abernathy",
            first_name="Alicia",
            medical_record_number="MRN-A-0001",
            phone="555-0101",
            email="alicia@example.org",
            date_of_last_contact=dt.date(2023, 5, 2),
        ),
        date_of_diagnosis=dt.date(2015, 5, 1),
        primary_site="C48.1",
        size_mm=62,
    )
    SurgeryFactory(tumor=a, date=dt.date(2015, 5, 20), extent="incomplete", margin="R1")
    MolecularTestFactory(
        tumor=a,
        specimen_date=dt.date(2015, 5, 20),
        gene="ALK",
        method="ihc",
        ihc_clone="D5F3",
        result="positive",
    )
    TreatmentFactory(
        tumor=a,
        category="alk_inhibitor",
        agent="crizotinib",
        start_date=dt.date(2015, 6, 1),
        end_date=dt.date(2016, 6, 1),
        end_reason="completed",
        best_response="CR",
    )
    ImagingStudyFactory(tumor=a, date=dt.date(2016, 8, 3), result="ned")
    DiseaseEventFactory(tumor=a, event_type="local_recurrence", date=dt.date(2017, 2, 14))
    tumors["a"] = a

    b = TumorFactory(
        patient=PatientFactory(
            institution=inst2,
            sex=1,
            date_of_birth=dt.date(1980, 1, 1),
            last_name="Brightwater",
            first_name="Boris",
            medical_record_number="MRN-B-0002",
            date_of_last_contact=dt.date(2023, 7, 9),
        ),
        date_of_diagnosis=dt.date(2021, 2, 1),
        primary_site="C34.1",
        size_mm=120,
        variant="epithelioid",
        behavior=3,
        metastatic_at_diagnosis=True,
    )
    SurgeryFactory(tumor=b, date=dt.date(2021, 2, 3), extent="biopsy", margin="")
    MolecularTestFactory(
        tumor=b, specimen_date=dt.date(2021, 2, 3), gene="ALK", method="ihc", result="negative"
    )
    MolecularTestFactory(
        tumor=b,
        specimen_date=dt.date(2021, 2, 3),
        gene="ROS1",
        method="rna_ngs",
        result="positive",
        fusion_partner="TFG",
    )
    TreatmentFactory(tumor=b, category="nsaid", agent="ibuprofen", start_date=dt.date(2021, 2, 10))
    tumors["b"] = b

    c = TumorFactory(
        patient=PatientFactory(
            institution=inst1,
            sex=9,
            date_of_birth=dt.date(1960, 3, 1),
            last_name="Castellanos",
            first_name="Cecilia",
            medical_record_number="MRN-C-0003",
            date_of_last_contact=dt.date(2022, 11, 30),
        ),
        date_of_diagnosis=dt.date(2012, 1, 1),
        primary_site="C07.9",
        size_mm=30,
    )
    SurgeryFactory(tumor=c, date=dt.date(2012, 1, 20), extent="incomplete", margin="R2")
    SurgeryFactory(tumor=c, date=dt.date(2012, 3, 2), extent="complete", margin="R0")
    MolecularTestFactory(
        tumor=c,
        specimen_date=dt.date(2012, 1, 20),
        gene="NTRK3",
        method="rna_ngs",
        result="positive",
        fusion_partner="ETV6",
    )
    TreatmentFactory(
        tumor=c, category="chemotherapy", agent="methotrexate_vinblastine", start_date=dt.date(2013, 1, 5)
    )
    DiseaseEventFactory(
        tumor=c, event_type="distant_metastasis", date=dt.date(2014, 9, 9), metastatic_sites=["52"]
    )
    tumors["c"] = c

    d = TumorFactory(
        patient=PatientFactory(
            institution=inst1,
            sex=2,
            date_of_birth=dt.date(2000, 12, 31),
            last_name="Delacroix",
            first_name="Dana",
            medical_record_number="MRN-D-0004",
        ),
        date_of_diagnosis=dt.date(2019, 7, 7),
        primary_site="C49.6",
        size_mm=None,
        size_code=993,
    )
    MolecularTestFactory(
        tumor=d, specimen_date=dt.date(2019, 7, 8), gene="ALK", method="ihc", result="negative"
    )
    tumors["d"] = d

    w = TumorFactory(
        patient=PatientFactory(
            institution=inst1,
            sex=2,
            date_of_birth=dt.date(2006, 6, 1),
            last_name="Withdrawnova",
            first_name="Wilma",
            medical_record_number="MRN-W-0005",
            consent_status=ConsentStatus.WITHDRAWN,
        ),
        date_of_diagnosis=dt.date(2016, 5, 1),
        primary_site="C48.1",
        size_mm=70,
    )
    SurgeryFactory(tumor=w, date=dt.date(2016, 5, 20), extent="incomplete", margin="R1")
    MolecularTestFactory(
        tumor=w, specimen_date=dt.date(2016, 5, 20), gene="ALK", method="ihc", result="positive"
    )
    DiseaseEventFactory(tumor=w, event_type="local_recurrence", date=dt.date(2018, 2, 14))
    tumors["w"] = w

    record_changed(tumor_ids=[t.pk for t in tumors.values()])
    for tumor in tumors.values():
        tumor.refresh_from_db()
    return tumors


def letters(queryset, tumors) -> set[str]:
    by_id = {t.pk: letter for letter, t in tumors.items()}
    return {by_id[pk] for pk in queryset.values_list("pk", flat=True)}
