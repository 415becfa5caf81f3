"""NAACCR XML export: the file validates against the 1.8 schema and carries each tumor's codes as the
registrar recorded them (partial dates, size codes, margins, first recurrence, gene status)."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from outcomes.interop import naaccr
from registry.vocabularies import (
    ConsentStatus,
    DatePrecision,
    Margin,
    SurgeryExtent,
    VitalStatus,
)
from tests.factories import (
    DiseaseEventFactory,
    MolecularTestFactory,
    PatientFactory,
    SurgeryFactory,
    TumorFactory,
)
from tests.outcomes.interop.naaccr_helpers import NS, assert_valid, export_bytes, parse

pytestmark = pytest.mark.django_db


def tumor_codes(tumor) -> dict[str, str]:
    exported = parse(export_bytes())[f"{tumor.patient.registry_number:08d}"]
    return {t["tumorRecordNumber"]: t for t in exported["tumors"]}[f"{tumor.tumor_record_number:02d}"]


@pytest.fixture
def varied_registry(db):
    """A handful of the cases the file must carry, one tumor each."""
    cases = {}
    partial = TumorFactory(
        date_of_diagnosis=dt.date(2020, 3, 1),
        date_of_diagnosis_precision=DatePrecision.MONTH,
        patient=PatientFactory(date_of_birth=dt.date(2012, 1, 1), date_of_birth_precision=DatePrecision.YEAR),
    )
    cases["partial"] = partial
    cases["size_code"] = TumorFactory(size_mm=None, size_code=992)
    r1 = TumorFactory()
    SurgeryFactory(tumor=r1, extent=SurgeryExtent.COMPLETE, margin=Margin.R1)
    cases["r1"] = r1
    r2 = TumorFactory()
    SurgeryFactory(tumor=r2, extent=SurgeryExtent.INCOMPLETE, margin=Margin.R2)
    cases["r2"] = r2
    biopsy = TumorFactory()
    SurgeryFactory(tumor=biopsy, extent=SurgeryExtent.BIOPSY, margin="")
    cases["biopsy"] = biopsy
    local = TumorFactory()
    SurgeryFactory(tumor=local, date=dt.date(2020, 3, 20))
    DiseaseEventFactory(
        tumor=local,
        event_type="local_recurrence",
        date=dt.date(2021, 5, 1),
        date_precision=DatePrecision.MONTH,
    )
    cases["local"] = local
    lung = TumorFactory()
    SurgeryFactory(tumor=lung)
    DiseaseEventFactory(
        tumor=lung, event_type="distant_metastasis", date=dt.date(2021, 2, 3), metastatic_sites=["52"]
    )
    cases["lung"] = lung
    multiple = TumorFactory()
    SurgeryFactory(tumor=multiple)
    DiseaseEventFactory(
        tumor=multiple,
        event_type="distant_metastasis",
        date=dt.date(2021, 2, 3),
        metastatic_sites=["52", "54"],
    )
    cases["multiple"] = multiple
    fusion = TumorFactory(
        patient=PatientFactory(
            vital_status=VitalStatus.DEAD,
            date_of_death=dt.date(2023, 6, 2),
            date_of_last_contact=dt.date(2023, 1, 15),
        )
    )
    MolecularTestFactory(tumor=fusion, gene="ALK", method="rna_ngs", fusion_partner="TPM3")
    cases["fusion"] = fusion
    return cases


def test_the_file_validates_against_the_naaccr_1_8_schema(varied_registry):
    data = export_bytes()
    assert_valid(data)
    root = ET.fromstring(data)
    assert root.tag == "{http://naaccr.org/naaccrxml}NaaccrData"
    assert root.get("recordType") == "A"
    assert root.get("specificationVersion") == "1.8"
    assert root.get("baseDictionaryUri") == "http://naaccr.org/naaccrxml/naaccr-dictionary-250.xml"
    assert root.get("userDictionaryUri") == naaccr.USER_DICTIONARY_URI
    assert len(root.findall("n:Patient", NS)) == len(varied_registry)


def test_dates_are_written_to_the_precision_the_registrar_knew(varied_registry):
    tumor = varied_registry["partial"]
    patient = parse(export_bytes())[f"{tumor.patient.registry_number:08d}"]
    assert patient["tumors"][0]["dateOfDiagnosis"] == "202003"
    assert patient["items"]["dateOfBirth"] == "2012"
    assert patient["items"]["dateOfLastContact"] == "20230115"


def test_patient_and_tumor_items_carry_naaccr_codes(varied_registry):
    tumor = varied_registry["r1"]
    patient = parse(export_bytes())[f"{tumor.patient.registry_number:08d}"]
    assert re.fullmatch(r"\d{8}", patient["items"]["patientIdNumber"])
    assert patient["items"]["sex"] == "2"
    assert patient["items"]["race1"] == "99"  # not recorded
    assert patient["items"]["spanishHispanicOrigin"] == "9"
    assert patient["items"]["vitalStatus"] == "1"
    assert patient["items"]["causeOfDeath"] == "0000"  # alive
    codes = patient["tumors"][0]
    assert codes["tumorRecordNumber"] == "01"
    assert codes["sequenceNumberCentral"] == "60"
    assert codes["dateOfDiagnosis"] == "20200310"
    assert codes["primarySite"] == "C481"
    assert codes["laterality"] == "0"
    assert codes["histologicTypeIcdO3"] == "8825"
    assert codes["behaviorCodeIcdO3"] == "1"
    assert codes["diagnosticConfirmation"] == "1"
    assert codes["tumorSizeSummary"] == "062"
    assert codes["imtVariant"] == "conventional"


def test_a_descriptive_size_code_is_exported_as_is(varied_registry):
    assert tumor_codes(varied_registry["size_code"])["tumorSizeSummary"] == "992"


@pytest.mark.parametrize(
    "case, margin, recurrence",
    [
        ("r1", "2", "00"),  # R1 definitive resection, disease-free since
        ("r2", "3", "70"),  # R2 only: never disease-free
        ("biopsy", "8", "70"),  # no resection
    ],
)
def test_margin_and_disease_free_status_follow_the_definitive_resection(
    varied_registry, case, margin, recurrence
):
    codes = tumor_codes(varied_registry[case])
    assert codes["rxSummSurgicalMargins"] == margin
    assert codes["recurrenceType1st"] == recurrence
    assert "recurrenceDate1st" not in codes


@pytest.mark.parametrize(
    "case, recurrence_type, recurrence_date",
    [
        ("local", "10", "202105"),
        ("lung", "52", "20210203"),
        ("multiple", "62", "20210203"),
    ],
)
def test_the_first_recurrence_after_the_definitive_resection_is_typed_and_dated(
    varied_registry, case, recurrence_type, recurrence_date
):
    codes = tumor_codes(varied_registry[case])
    assert codes["rxSummSurgicalMargins"] == "0"
    assert codes["recurrenceType1st"] == recurrence_type
    assert codes["recurrenceDate1st"] == recurrence_date


def test_a_distant_metastasis_with_no_site_recorded_is_distant_nos(db):
    tumor = TumorFactory()
    SurgeryFactory(tumor=tumor)
    DiseaseEventFactory(tumor=tumor, event_type="distant_metastasis", metastatic_sites=[])
    assert tumor_codes(tumor)["recurrenceType1st"] == "40"


def test_an_event_before_the_definitive_resection_is_not_a_recurrence(db):
    tumor = TumorFactory()
    SurgeryFactory(tumor=tumor, extent=SurgeryExtent.INCOMPLETE, margin=Margin.R2, date=dt.date(2020, 3, 20))
    DiseaseEventFactory(tumor=tumor, event_type="progression", date=dt.date(2020, 6, 1))
    SurgeryFactory(tumor=tumor, extent=SurgeryExtent.COMPLETE, margin=Margin.R0, date=dt.date(2020, 7, 1))
    codes = tumor_codes(tumor)
    assert codes["rxSummSurgicalMargins"] == "0"
    assert codes["recurrenceType1st"] == "00"


def test_a_tumor_metastatic_at_diagnosis_was_never_disease_free(db):
    tumor = TumorFactory(metastatic_at_diagnosis=True)
    SurgeryFactory(tumor=tumor)
    assert tumor_codes(tumor)["recurrenceType1st"] == "70"


def test_gene_status_and_fusion_partner_go_in_the_user_dictionary_items(varied_registry):
    codes = tumor_codes(varied_registry["fusion"])
    assert codes["imtAlkStatus"] == "positive"
    assert codes["imtRos1Status"] == "unknown"
    assert codes["imtFusionPartner"] == "TPM3"


def test_a_dead_patient_has_no_cause_of_death_code_and_last_contact_is_the_death(varied_registry):
    tumor = varied_registry["fusion"]
    patient = parse(export_bytes())[f"{tumor.patient.registry_number:08d}"]["items"]
    assert patient["vitalStatus"] == "0"
    assert "causeOfDeath" not in patient
    assert patient["dateOfLastContact"] == "20230602"


def test_identified_files_carry_names_and_mrn_at_their_dictionary_levels(db):
    tumor = TumorFactory(patient=PatientFactory(last_name="O'Brien & Co", first_name="Zoë"))
    exported = parse(export_bytes(identified=True))[f"{tumor.patient.registry_number:08d}"]
    assert exported["items"]["nameLast"] == "O'Brien & Co"
    assert exported["items"]["nameFirst"] == "Zoë"
    assert exported["tumors"][0]["medicalRecordNumber"] == tumor.patient.medical_record_number


def test_without_identifiers_names_and_mrn_are_left_out_but_registry_numbers_and_dates_remain(db):
    tumor = TumorFactory()
    data = export_bytes(identified=False)
    assert_valid(data)
    exported = parse(data)[f"{tumor.patient.registry_number:08d}"]
    assert {"nameLast", "nameFirst"}.isdisjoint(exported["items"])
    assert "medicalRecordNumber" not in exported["tumors"][0]
    assert tumor.patient.last_name.encode() not in data
    assert tumor.patient.medical_record_number.encode() not in data
    assert exported["items"]["dateOfBirth"] == "20120601"


def test_withdrawn_consent_leaves_the_patient_out(db):
    kept = TumorFactory()
    withdrawn = TumorFactory(patient=PatientFactory(consent_status=ConsentStatus.WITHDRAWN))
    exported = parse(export_bytes())
    assert f"{kept.patient.registry_number:08d}" in exported
    assert f"{withdrawn.patient.registry_number:08d}" not in exported


def test_chunked_reads_write_every_patient_once_in_registry_number_order(db):
    tumors = [TumorFactory() for _ in range(5)]
    exported = list(parse(export_bytes(chunk_size=2)))
    assert exported == sorted(f"{t.patient.registry_number:08d}" for t in tumors)


def test_the_user_dictionary_describes_every_registry_item():
    path = settings.BASE_DIR / "fixtures" / "naaccr" / "imt-user-dictionary.xml"
    root = ET.parse(path).getroot()
    assert root.get("dictionaryUri") == naaccr.USER_DICTIONARY_URI
    defined = {
        d.get("naaccrId"): int(d.get("naaccrNum")) for d in root.iter("{http://naaccr.org/naaccrxml}ItemDef")
    }
    assert defined == naaccr.USER_ITEMS
    assert all(re.fullmatch(r"[a-z][a-zA-Z0-9]+", naaccr_id) for naaccr_id in defined)
