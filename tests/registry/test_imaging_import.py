"""Bulk import of imaging studies from CSV/XLSX: all or nothing, per-row errors, duplicates, dry run, roles."""

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from registry.imports.imaging_table import imaging_import
from registry.models import ImagingStudy
from registry.vocabularies import DatePrecision, ImagingRegion, ImagingResult, Modality
from tests.factories import ImagingStudyFactory, TumorFactory

pytestmark = pytest.mark.django_db

HEADER = "registry_number,tumor_record_number,date,purpose,modality,region,result"
IMPORT_URL = "admin:registry_imagingstudy_import"


@pytest.fixture
def tumor():
    return TumorFactory(patient__registry_number=12345678)


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_csv_file_creates_its_studies_with_codes_or_labels_in_any_case(tumor, registrar):
    data = csv_bytes(
        "12345678,,2020-06-01,surveillance,CT,chest,ned",
        "12345678,,2020-09,Surveillance,mri,Primary site,No evidence of disease",
        "12345678,,2021,SURVEILLANCE,pet-ct,,stable residual disease",
    )
    report = imaging_import(data=data, user=registrar)
    assert report.errors == []
    assert report.summary() == "3 rows: 3 created, 0 already recorded, 0 errors"
    studies = list(tumor.imaging_studies.order_by("date"))
    assert [(s.modality, s.region, s.result, s.date_precision) for s in studies] == [
        (Modality.CT, ImagingRegion.CHEST, ImagingResult.NED, DatePrecision.DAY),
        (Modality.MRI, ImagingRegion.PRIMARY_SITE, ImagingResult.NED, DatePrecision.MONTH),
        (Modality.PET_CT, ImagingRegion.PRIMARY_SITE, ImagingResult.STABLE_RESIDUAL, DatePrecision.YEAR),
    ]
    assert studies[1].date == dt.date(2020, 9, 1)


def test_an_xlsx_file_imports_with_numbers_and_dates_as_excel_stores_them(tumor, registrar):
    data = xlsx_bytes(
        [
            [12345678, 1, dt.datetime(2020, 6, 1), "surveillance", "ct", "chest", "ned"],
            [12345678, None, "2020-07-01", "Response assessment", "MRI", None, None],
        ]
    )
    report = imaging_import(data=data, user=registrar)
    assert report.errors == []
    assert report.created == 2
    assert tumor.imaging_studies.count() == 2


def test_one_bad_row_writes_nothing_and_names_its_row_and_column(tumor, registrar):
    data = csv_bytes(
        "12345678,,2020-06-01,surveillance,ct,chest,ned",
        "12345678,,2019-01-01,surveillance,ct,chest,ned",  # before diagnosis (2020-03-10)
    )
    report = imaging_import(data=data, user=registrar)
    assert report.error_lines() == [
        "row 3, column date: Surveillance or response imaging must be on or after the date of diagnosis."
    ]
    assert ImagingStudy.objects.count() == 0


def test_an_unknown_registry_number_and_a_bad_code_name_their_rows(tumor, registrar):
    data = csv_bytes(
        "99999999,,2020-06-01,surveillance,ct,chest,ned",
        "12345678,,2020-06-01,surveillance,Jane Doe,chest,ned",
    )
    report = imaging_import(data=data, user=registrar)
    assert (
        report.error_lines()[0] == "row 2, column registry_number: No patient with registry number 99999999."
    )
    assert report.error_lines()[1].startswith("row 3, column modality: Not a known modality")
    assert "Jane" not in " ".join(report.lines())
    assert ImagingStudy.objects.count() == 0


def test_a_patient_with_two_tumors_needs_the_tumor_record_number(tumor, registrar):
    TumorFactory(patient=tumor.patient, tumor_record_number=2)
    report = imaging_import(data=csv_bytes("12345678,,2020-06-01,surveillance,ct,chest,ned"), user=registrar)
    assert report.error_lines() == [
        "row 2, column tumor_record_number: Required: patient 12345678 has 2 tumors."
    ]


def test_a_study_already_recorded_is_skipped_not_an_error(tumor, registrar):
    ImagingStudyFactory(
        tumor=tumor, date=dt.date(2020, 6, 1), modality=Modality.CT, region=ImagingRegion.CHEST
    )
    data = csv_bytes(
        "12345678,,2020-06-01,surveillance,ct,chest,ned",
        "12345678,,2020-08-01,surveillance,ct,chest,ned",
        "12345678,,2020-08-01,surveillance,ct,chest,ned",  # repeats the row above
    )
    report = imaging_import(data=data, user=registrar)
    assert report.summary() == "3 rows: 1 created, 2 already recorded, 0 errors"
    assert report.already_recorded == [2, 4]
    assert tumor.imaging_studies.count() == 2


def test_a_dry_run_writes_nothing_and_reports_the_same_counts(tumor, registrar):
    ImagingStudyFactory(
        tumor=tumor, date=dt.date(2020, 6, 1), modality=Modality.CT, region=ImagingRegion.CHEST
    )
    data = csv_bytes(
        "12345678,,2020-06-01,surveillance,ct,chest,ned",
        "12345678,,2020-08-01,surveillance,ct,chest,ned",
    )
    dry = imaging_import(data=data, user=registrar, dry_run=True)
    assert dry.summary() == "2 rows: 1 to create, 1 already recorded, 0 errors"
    assert tumor.imaging_studies.count() == 1
    real = imaging_import(data=data, user=registrar)
    assert (real.created, real.already_recorded) == (dry.created, dry.already_recorded)
    assert tumor.imaging_studies.count() == 2


def test_history_names_the_importing_user_and_the_import(tumor, registrar):
    imaging_import(data=csv_bytes("12345678,,2020-06-01,surveillance,ct,chest,ned"), user=registrar)
    record = ImagingStudy.history.get()
    assert (record.history_user, record.history_change_reason) == (registrar, "imaging import")


def test_the_command_imports_and_refuses_a_file_with_errors(tumor, registrar, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("12345678,,2020-06-01,surveillance,ct,chest,ned"))
    out = StringIO()
    call_command("import_imaging", str(good), "--dry-run", "--username", "registrar", stdout=out)
    assert "1 rows: 1 to create" in out.getvalue() and ImagingStudy.objects.count() == 0
    call_command("import_imaging", str(good), "--username", "registrar", stdout=StringIO())
    assert ImagingStudy.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"registry_number,date\n12345678,2020-06-01\n")
    with pytest.raises(CommandError, match="Missing columns: purpose, modality"):
        call_command("import_imaging", str(bad), "--username", "registrar")


@pytest.mark.parametrize("role", ["registrar", "coordinator", "admin"])
def test_registrars_coordinators_and_admins_open_the_import_page(role_users, role):
    client = Client()
    client.force_login(role_users[role])
    assert client.get(reverse(IMPORT_URL)).status_code == 200
    changelist = client.get(reverse("admin:registry_imagingstudy_changelist"))
    assert reverse(IMPORT_URL) in changelist.content.decode()


def test_an_epidemiologist_cannot_open_the_import_page(epidemiologist):
    client = Client()
    client.force_login(epidemiologist)
    assert client.get(reverse(IMPORT_URL)).status_code in (302, 403)
    epidemiologist.is_staff = True
    epidemiologist.save()
    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_the_preview_shows_the_report_and_writes_nothing_then_import_writes(tumor, coordinator):
    client = Client()
    client.force_login(coordinator)
    data = csv_bytes(
        "12345678,,2020-06-01,surveillance,ct,chest,ned", "99999999,,2020-06-01,surveillance,ct,,"
    )
    page = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("list.csv", data), "preview": "1"})
    html = page.content.decode()
    assert "2 rows: 1 to create, 0 already recorded, 1 errors" in html
    assert "No patient with registry number 99999999." in html
    good = csv_bytes("12345678,,2020-06-01,surveillance,ct,chest,ned")
    page = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("list.csv", good), "preview": "1"})
    assert ImagingStudy.objects.count() == 0
    page = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("list.csv", good), "import": "1"})
    assert "1 rows: 1 created" in page.content.decode()
    assert ImagingStudy.history.get().history_user == coordinator


def test_a_file_that_is_not_a_table_gets_a_clear_message_on_the_page(registrar):
    client = Client()
    client.force_login(registrar)
    for data, message in (
        (b"PK\x03\x04 not a workbook", "The file cannot be read as XLSX."),
        (b"\xff\xfe bad bytes", "The CSV file must be UTF-8 encoded."),
        (b"name,mrn\nJane,123\n", "Missing columns: registry_number, date, purpose, modality."),
    ):
        page = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("list.csv", data), "import": "1"})
        assert page.status_code == 200
        assert message in page.content.decode()
    assert ImagingStudy.objects.count() == 0
