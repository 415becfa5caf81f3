"""NAACCR XML import: IMT tumors taken, 8825/3 reviewed, the rest skipped; dry run, idempotence, errors."""

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from registry.imports.naaccr import naaccr_import
from registry.models import ImportReview, ImportReviewStatus, Patient, Tumor
from registry.vocabularies import DatePrecision, SizeCode, VitalStatus

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = [
    FIXTURES / "naaccr-xml-sample-v250-abstract-10.xml.gz",
    FIXTURES / "naaccr-xml-sample-v250-incidence-10.xml.gz",
]
SOURCE = "HOSP1"


def tumor(number, histology, behavior, diagnosis="202101", site="C481", size="991", margin="9", **extra):
    items = {
        "tumorRecordNumber": number,
        "sequenceNumberCentral": "60",
        "dateOfDiagnosis": diagnosis,
        "primarySite": site,
        "laterality": "0",
        "histologicTypeIcdO3": histology,
        "behaviorCodeIcdO3": behavior,
        "diagnosticConfirmation": "1",
        "tumorSizeSummary": size,
        "rxSummSurgicalMargins": margin,
        **extra,
    }
    return "".join(f'<Item naaccrId="{k}">{v}</Item>' for k, v in items.items())


def naaccr_xml(first_vital="1", first_site="C481"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<NaaccrData baseDictionaryUri="http://naaccr.org/naaccrxml/naaccr-dictionary-250.xml" recordType="A"
            specificationVersion="1.2" xmlns="http://naaccr.org/naaccrxml" xmlns:other="urn:other">
  <Item naaccrId="registryId">0000001234</Item>
  <Patient>
    <Item naaccrId="patientIdNumber">00000101</Item>
    <Item naaccrId="nameLast">Doe</Item><Item naaccrId="nameFirst">Jane</Item>
    <Item naaccrId="sex">2</Item><Item naaccrId="race1">01</Item>
    <Item naaccrId="spanishHispanicOrigin">0</Item><Item naaccrId="dateOfBirth">2010</Item>
    <Item naaccrId="vitalStatus">{first_vital}</Item><Item naaccrId="dateOfLastContact">202306</Item>
    <other:Note><Item naaccrId="sex">9</Item></other:Note>
    <Tumor>{tumor("01", "8825", "1", site=first_site)}</Tumor>
    <Tumor>{tumor("02", "8825", "3", diagnosis="2022")}</Tumor>
    <Tumor>{tumor("03", "8140", "3")}</Tumor>
  </Patient>
  <Patient>
    <Item naaccrId="patientIdNumber">00000102</Item>
    <Item naaccrId="sex">1</Item><Item naaccrId="dateOfBirth">19900515</Item>
    <Item naaccrId="vitalStatus">1</Item><Item naaccrId="dateOfLastContact">20240101</Item>
    <Tumor>{tumor("01", "8825", "1", diagnosis="20220310", site="C341", size="045", margin="8")}</Tumor>
  </Patient>
</NaaccrData>
"""


@pytest.fixture
def naaccr_file(tmp_path):
    path = tmp_path / "hospital.xml"
    path.write_text(naaccr_xml())
    return path


def run(path, *args):
    out = StringIO()
    call_command("import_naaccr", str(path), "--source", SOURCE, *args, stdout=out)
    return out.getvalue()


def nothing_written():
    return not Patient.objects.exists() and not Tumor.objects.exists() and not ImportReview.objects.exists()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_the_published_samples_are_read_and_every_tumor_is_skipped_as_not_imt(sample):
    report = naaccr_import(path=sample, source=SOURCE)
    assert report.imt_tumors == 0
    assert sum(report.not_imt.values()) == 10
    assert "not IMT (histology 8140)" in report.not_imt
    assert nothing_written()


def test_an_imt_tumor_is_created_8825_3_goes_to_review_and_other_histology_is_skipped(naaccr_file, registrar):
    report = naaccr_import(path=naaccr_file, source=SOURCE, user=registrar)
    assert (report.tumors_created, report.patients_created, report.review_added) == (2, 2, 1)
    assert dict(report.not_imt) == {"not IMT (histology 8140)": 1}
    assert (
        report.margins_not_recorded == 1
    )  # margin 9 cannot be recorded; 8 (no surgery) is nothing to record

    patient = Patient.objects.get(source_registry=SOURCE, source_patient_id="00000101")
    assert patient.registry_number > 0
    assert (patient.date_of_birth.isoformat(), patient.date_of_birth_precision) == (
        "2010-01-01",
        DatePrecision.YEAR,
    )
    assert patient.date_of_last_contact_precision == DatePrecision.MONTH
    assert (patient.sex, patient.race, patient.last_name) == (
        2,
        "01",
        "Doe",
    )  # the extension's sex is ignored
    imt = patient.tumors.get()
    assert (imt.primary_site, imt.size_mm, imt.size_code) == ("C48.1", None, SizeCode.LESS_THAN_1CM)
    assert (imt.source_tumor_record_number, imt.date_of_diagnosis_precision) == ("01", DatePrecision.MONTH)
    other = Tumor.objects.get(patient__source_patient_id="00000102")
    assert (other.size_mm, other.size_code, other.primary_site) == (45, None, "C34.1")

    review = ImportReview.objects.get()
    assert (review.source_patient_id, review.source_tumor_record_number) == ("00000101", "02")
    assert review.items["tumor"]["behaviorCodeIcdO3"] == "3"
    assert "Doe" not in review.reason and "00000101" not in review.reason

    history = patient.history.get()
    assert (history.history_user, history.history_change_reason) == (registrar, "NAACCR import")


def test_the_command_prints_the_counts_like_the_journey(naaccr_file):
    output = run(naaccr_file)
    assert (
        output.splitlines()[0] == "2 IMT tumors matched, 2 new, 0 updated, 0 unchanged, 1 skipped (not IMT)"
    )
    assert "Review list (8825/3): 1 (1 new)" in output


def test_a_dry_run_writes_nothing_and_reports_the_same_counts(naaccr_file):
    dry = run(naaccr_file, "--dry-run")
    assert nothing_written()
    real = run(naaccr_file)
    assert dry == "Dry run, nothing written: " + real


def test_a_second_run_reports_everything_matched_and_unchanged(naaccr_file):
    run(naaccr_file)
    report = naaccr_import(path=naaccr_file, source=SOURCE)
    assert (report.tumors_created, report.tumors_updated, report.tumors_unchanged) == (0, 0, 2)
    assert (report.patients_created, report.patients_matched, report.patients_updated) == (0, 2, 0)
    assert (report.review_added, report.review_already_listed) == (0, 1)
    assert Patient.objects.count() == 2 and Tumor.objects.count() == 2


def test_the_same_patient_id_from_another_registry_is_a_new_patient(naaccr_file):
    run(naaccr_file)
    report = naaccr_import(path=naaccr_file, source="OTHER")
    assert report.patients_created == 2
    assert Patient.objects.count() == 4


def test_a_changed_vital_status_is_reported_as_an_update_with_history(naaccr_file, tmp_path, registrar):
    run(naaccr_file)
    died = tmp_path / "died.xml"
    died.write_text(naaccr_xml(first_vital="0"))
    report = naaccr_import(path=died, source=SOURCE, user=registrar)
    assert (report.patients_updated, report.tumors_unchanged) == (1, 2)
    patient = Patient.objects.get(source_patient_id="00000101")
    assert patient.vital_status == VitalStatus.DEAD
    assert patient.date_of_death == patient.date_of_last_contact  # NAACCR 1750 is the date of death
    latest = patient.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.history_type) == (
        registrar,
        "NAACCR import",
        "~",
    )


def test_a_tumor_that_fails_a_hard_rule_is_skipped_by_field_name_and_the_rest_written(tmp_path):
    path = tmp_path / "bad-site.xml"
    path.write_text(naaccr_xml(first_site="C999"))
    report = naaccr_import(path=path, source=SOURCE)
    assert dict(report.skipped) == {"failed validation: primary_site": 1}
    assert report.tumors_created == 1
    # The first patient had no tumor left to take: not created.
    assert list(Patient.objects.values_list("source_patient_id", flat=True)) == ["00000102"]


def test_a_malformed_file_names_the_line_and_writes_nothing(tmp_path):
    path = tmp_path / "broken.xml"
    text = naaccr_xml()
    path.write_text(text[: text.index('<Item naaccrId="patientIdNumber">00000102')] + "<Tumor></Patient>")
    with pytest.raises(CommandError, match=r"Line \d+, column \d+: the file is not well-formed XML"):
        run(path)
    assert nothing_written()


def test_a_tumor_outside_a_patient_names_the_element_and_writes_nothing(tmp_path):
    path = tmp_path / "misplaced.xml"
    path.write_text(naaccr_xml().replace("</NaaccrData>", "<Tumor></Tumor></NaaccrData>"))
    with pytest.raises(CommandError, match="Element Tumor .*must sit directly in a Patient"):
        run(path)
    assert nothing_written()


def test_a_file_that_is_not_naaccr_xml_is_refused(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<NaaccrData specificationVersion='1.2'/>")  # no namespace
    with pytest.raises(CommandError, match="root element must be NaaccrData"):
        run(path)


def test_a_gzip_file_is_read_by_its_magic_bytes(tmp_path):
    path = tmp_path / "hospital.xml.data"
    path.write_bytes(gzip.compress(naaccr_xml().encode()))
    report = naaccr_import(path=path, source=SOURCE)
    assert report.tumors_created == 2


def test_the_source_registry_is_required():
    with pytest.raises(CommandError):
        call_command("import_naaccr", str(SAMPLES[0]), stdout=StringIO())


def test_a_registrar_reads_the_review_list_and_rejects_an_entry(naaccr_file, registrar):
    run(naaccr_file)
    review = ImportReview.objects.get()
    client = Client()
    client.force_login(registrar)
    assert client.get(reverse("admin:registry_importreview_changelist")).status_code == 200
    assert client.get(reverse("admin:registry_importreview_add")).status_code == 403
    client.post(
        reverse("admin:registry_importreview_changelist"),
        {"action": "reject", "_selected_action": [review.pk]},
    )
    review.refresh_from_db()
    assert (review.status, review.decided_by) == (ImportReviewStatus.REJECTED, registrar)


def test_a_coordinator_does_not_see_the_review_list(coordinator):
    client = Client()
    client.force_login(coordinator)
    assert client.get(reverse("admin:registry_importreview_changelist")).status_code == 403
