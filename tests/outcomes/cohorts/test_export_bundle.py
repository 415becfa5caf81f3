"""Export bundles: contents round-trip through pandas and pyarrow and match the database; nothing
identifying leaves in a de-identified bundle; keys link or not as asked; every export is logged."""

import hashlib
import io
import json
import re
import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pytest

from outcomes.analysis import ENDPOINTS, analysis_rows
from outcomes.cohorts import bundle, services
from outcomes.cohorts.models import ExportLog, SurrogateKey
from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Surgery, Treatment, Tumor
from tests.conftest import client_for
from tests.outcomes.cohorts.dataset import CUT_OFF, build_registry

pytestmark = pytest.mark.django_db

TABLES = ("tumors", "events", "treatments", "imaging", "molecular")


@pytest.fixture
def tumors(db):
    return build_registry()


def download(user, **params) -> zipfile.ZipFile:
    params.setdefault("cut_off", CUT_OFF.isoformat())
    response = client_for(user).get("/api/exports/bundle/", params)
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def read_table(archive, name, file_format="csv") -> pd.DataFrame:
    data = archive.read(f"{name}.{file_format}")
    if file_format == "parquet":
        return pq.read_table(io.BytesIO(data)).to_pandas()
    return pd.read_csv(io.BytesIO(data), keep_default_na=True)


def test_csv_bundle_round_trips_through_pandas_and_matches_the_database(epidemiologist, tumors):
    archive = download(epidemiologist, file_format="csv")
    names = archive.namelist()
    assert names[-1] == "manifest.json"  # written last
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
        assert manifest["row_counts"][entry["name"].split(".")[0]] == entry["rows"]

    table = read_table(archive, "tumors")
    assert len(table) == 4  # the withdrawn patient's tumor is not exported
    assert table["tumor_key"].is_unique
    eligible = [t for letter, t in tumors.items() if letter != "w"]
    keys = dict(SurrogateKey.objects.filter(kind="tumor").values_list("record_id", "key"))
    by_key = table.set_index("tumor_key")
    rows = {r.tumor_id: r for r in analysis_rows(cut_off=CUT_OFF, tumor_ids=[t.pk for t in eligible])}
    for tumor in eligible:
        exported = by_key.loc[keys[tumor.pk]]
        assert exported["diagnosis_year"] == tumor.date_of_diagnosis.year
        assert exported["site_group"] == tumor.site_group and exported["alk_status"] == tumor.alk_status
        assert exported["alk_status_label"] == tumor.get_alk_status_display()
        for endpoint in ENDPOINTS:
            expected_time = getattr(rows[tumor.pk], f"{endpoint}_time")
            expected_status = getattr(rows[tumor.pk], f"{endpoint}_status")
            if expected_time is None:
                assert pd.isna(exported[f"{endpoint}_time"])
            else:
                assert exported[f"{endpoint}_time"] == pytest.approx(expected_time)
                assert exported[f"{endpoint}_status"] == expected_status
    a = by_key.loc[keys[tumors["a"].pk]]
    assert a["age_at_diagnosis"] == 9 and a["age_band"] == "0-9" and a["definitive_resection_day"] == 19
    assert a["first_resection_margin"] == "R1" and a["sex_label"] == "Female"

    counts = {
        "events": DiseaseEvent,
        "treatments": Treatment,
        "imaging": ImagingStudy,
        "molecular": MolecularTest,
    }
    for name, model in counts.items():
        expected = model.objects.exclude(tumor__patient__consent_status="withdrawn").count()
        assert len(read_table(archive, name)) == expected == manifest["row_counts"][name]
    events = read_table(archive, "events")
    recurrence = events[events["tumor_key"] == keys[tumors["a"].pk]].iloc[0]
    assert recurrence["event_type"] == "local_recurrence" and recurrence["day"] == 655

    codebook = read_table(archive, "codebook")
    for name in TABLES:
        exported_columns = set(read_table(archive, name).columns)
        assert exported_columns == set(codebook[codebook["table"] == name]["column"])
    margin = codebook[
        (codebook["table"] == "tumors") & (codebook["column"] == "first_resection_margin")
    ].iloc[0]
    assert "R1=R1 - microscopic residual" in margin["codes"] and int(margin["naaccr_item"]) == 1320

    log = ExportLog.objects.get()
    assert log.status == "completed" and log.deidentified and log.row_counts["tumors"] == 4
    assert log.checksums == {f["name"]: f["sha256"] for f in manifest["files"]}
    assert manifest["small_groups"]["threshold"] == 11
    assert manifest["small_groups"]["rows_in_groups_below_threshold"] == 4


def test_parquet_bundle_reads_in_pyarrow_with_the_same_rows_as_csv(epidemiologist, tumors):
    csv_archive = download(epidemiologist, file_format="csv")
    parquet_archive = download(epidemiologist, file_format="parquet")
    for name in TABLES:
        from_csv = read_table(csv_archive, name).sort_values(list(read_table(csv_archive, name).columns[:2]))
        from_parquet = read_table(parquet_archive, name, "parquet").sort_values(list(from_csv.columns[:2]))
        assert list(from_parquet.columns) == list(from_csv.columns)
        assert len(from_parquet) == len(from_csv)
        assert from_parquet["tumor_key"].tolist() == from_csv["tumor_key"].tolist()  # linkable: same keys
    tumors_table = read_table(parquet_archive, "tumors", "parquet")
    assert str(tumors_table["diagnosis_year"].dtype) == "int64"
    assert tumors_table["metastatic_at_diagnosis"].dtype == bool


def _identifying_strings() -> set[str]:
    """Every name, MRN, contact and date of every synthetic patient, in many date formats."""
    found = set()
    dates = []
    for patient in Patient.objects.all():
        found |= {patient.last_name, patient.first_name, patient.medical_record_number}
        found |= {
            v for v in (patient.phone, patient.email, patient.guardian_name, patient.guardian_phone) if v
        }
        found.add(str(patient.registry_number).zfill(8))
        dates += [patient.date_of_birth, patient.date_of_last_contact, patient.date_of_death]
    dates += list(Tumor.objects.values_list("date_of_diagnosis", flat=True))
    for model, field in (
        (Surgery, "date"),
        (DiseaseEvent, "date"),
        (ImagingStudy, "date"),
        (MolecularTest, "specimen_date"),
        (Treatment, "start_date"),
        (Treatment, "end_date"),
    ):
        dates += list(model.objects.values_list(field, flat=True))
    for date in filter(None, dates):
        found |= {
            date.strftime(f)
            for f in (
                "%Y-%m-%d",
                "%Y%m%d",
                "%m/%d/%Y",
                "%d/%m/%Y",
                "%d.%m.%Y",
                "%Y/%m/%d",
                "%d %b %Y",
                "%b %d, %Y",
            )
        }
    return found


FULL_DATE = re.compile(r"\b(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|(19|20)\d{6})\b")


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
@pytest.mark.parametrize("linkable", ["true", "false"])
def test_a_deidentified_bundle_carries_no_name_mrn_contact_or_date_of_any_patient(
    epidemiologist, tumors, file_format, linkable
):
    archive = download(epidemiologist, file_format=file_format, linkable=linkable)
    identifying = _identifying_strings()
    for name in archive.namelist():
        if name.endswith(".parquet"):
            text = read_table(archive, name.rsplit(".", 1)[0], "parquet").to_csv(index=False)
        else:
            text = archive.read(name).decode("utf-8")
        leaked = {value for value in identifying if value and value in text}
        assert not leaked, f"{name} leaks {len(leaked)} identifying values"
        if name != "manifest.json":  # the manifest carries the cut-off and its own timestamp, no patient's
            assert not FULL_DATE.search(text), f"{name} contains a full date"


def test_linkable_keys_are_stable_unlinkable_ones_fresh_and_none_is_a_registry_number(epidemiologist, tumors):
    first = read_table(download(epidemiologist), "tumors")
    second = read_table(download(epidemiologist), "tumors")
    unlinkable = read_table(download(epidemiologist, linkable="false"), "tumors")
    assert sorted(first["tumor_key"]) == sorted(second["tumor_key"])
    assert sorted(first["patient_key"]) == sorted(second["patient_key"])
    assert not set(unlinkable["tumor_key"]) & set(first["tumor_key"])
    assert not set(unlinkable["patient_key"]) & set(first["patient_key"])
    registry_numbers = {str(n) for n in Patient.objects.values_list("registry_number", flat=True)}
    registry_numbers |= {n.zfill(8) for n in registry_numbers}
    for table in (first, unlinkable):
        assert not (set(table["patient_key"]) | set(table["tumor_key"])) & registry_numbers
    assert SurrogateKey.objects.filter(kind="tumor").count() == 4  # unlinkable keys were not stored


def test_identified_export_needs_the_admin_permission_and_is_marked(epidemiologist, registry_admin, tumors):
    refused = client_for(epidemiologist).get("/api/exports/bundle/", {"identified": "true"})
    assert refused.status_code == 403
    assert not ExportLog.objects.exists()
    archive = download(registry_admin, identified="true")
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["identified"] is True
    table = read_table(archive, "tumors")
    assert "Abernathy" in set(table["last_name"]) and "2015-05-01" in set(table["date_of_diagnosis"])
    assert ExportLog.objects.get().deidentified is False


def test_a_saved_cohort_exports_only_its_tumors(epidemiologist, tumors):
    client = client_for(epidemiologist)
    cohort = client.post(
        "/api/cohorts/",
        {
            "name": "ALK+ abdominal",
            "criteria": {"site_group": ["abdomen_pelvis"], "alk_status": ["positive"]},
        },
        format="json",
    ).json()
    archive = download(epidemiologist, cohort=cohort["id"])
    assert len(read_table(archive, "tumors")) == 1
    assert json.loads(archive.read("manifest.json"))["cohort"]["id"] == cohort["id"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"file_format": "xlsx"}, "file_format"),
        ({"cut_off": "2024-13-01"}, "cut_off"),
        ({"cut_off": "2999-01-01"}, "cut_off"),
        ({"alk_status": "maybe"}, "alk_status"),
        ({"cohort": "abc"}, "cohort"),
    ],
)
def test_bad_export_parameters_are_refused_before_any_byte_and_log_nothing(epidemiologist, params, field):
    response = client_for(epidemiologist).get("/api/exports/bundle/", params)
    assert response.status_code == 400
    assert field in [e["field"].split(".")[0] for e in response.json()["errors"]]
    assert not ExportLog.objects.exists()


def test_a_stream_failing_midway_leaves_a_failed_export_log_row(epidemiologist, tumors, monkeypatch):
    def broken_events(plan, ctx):
        raise RuntimeError("disk on fire")
        yield  # pragma: no cover

    sources = tuple((name, broken_events if name == "events" else fn) for name, fn in bundle.TABLE_SOURCES)
    monkeypatch.setattr(bundle, "TABLE_SOURCES", sources)
    response = client_for(epidemiologist).get("/api/exports/bundle/", {"cut_off": CUT_OFF.isoformat()})
    assert response.status_code == 200
    with pytest.raises(RuntimeError):
        b"".join(response.streaming_content)
    log = ExportLog.objects.get()
    assert log.status == "failed" and log.error_class == "RuntimeError" and log.finished_at is not None


def test_a_client_leaving_midway_leaves_a_failed_export_log_row(epidemiologist, tumors):
    plan = services.export_plan_build(
        user=epidemiologist,
        cohort=None,
        criteria_input={},
        cut_off=CUT_OFF,
        file_format="csv",
        linkable=True,
        identified=False,
    )
    log = services.export_log_start(plan=plan)
    stream = bundle.export_bundle_chunks(plan, log.pk)
    next(stream)
    stream.close()  # what the server does when the client disconnects
    log.refresh_from_db()
    assert log.status == "failed" and log.error_class == "GeneratorExit"


def test_no_deidentified_column_lets_a_reader_rebuild_the_date_of_origin(epidemiologist, tumors):
    """The manifest names the cut-off; a column of days from origin to the cut-off would give the
    origin date back, and every other day count with it."""
    archive = download(epidemiologist, file_format="csv")
    header = archive.read("tumors.csv").decode("utf-8").splitlines()[0].split(",")
    assert not [column for column in header if column.endswith("_potential_time")]
    assert "cut_off" in json.loads(archive.read("manifest.json"))
