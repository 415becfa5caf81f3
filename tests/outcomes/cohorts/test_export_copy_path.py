"""The PostgreSQL COPY path of the CSV bundle writes the same bytes as the Python path (kept for SQLite and
Parquet): partial dates imputed alike, labels from the same codes, empty values empty, unlinkable keys
consistent between the tumors table and the long tables."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.db import connection

from outcomes.cohorts import bundle, copy_export, services
from outcomes.cohorts.models import SurrogateKey
from tests.factories import (
    DiseaseEventFactory,
    ImagingStudyFactory,
    MolecularTestFactory,
    PatientFactory,
    TreatmentFactory,
    TumorFactory,
)
from tests.outcomes.cohorts.dataset import CUT_OFF, build_registry

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's"),
]

TABLES = ("tumors", "events", "treatments", "imaging", "molecular")
KEY = re.compile(rb"\b[PT][0-9a-f]{16}\b")


@pytest.fixture
def registry(db):
    tumors = build_registry()
    # Diagnosis known to the day: a month-precision study in the diagnosis month is floored to it (day 0),
    # a year-precision specimen of the diagnosis year too; a month-precision date imputed past the
    # cut-off and a treatment ending after it are released without date; empty codes stay empty.
    e = TumorFactory(
        patient=PatientFactory(
            sex=1, date_of_birth=dt.date(1990, 4, 4), last_name="Eastwood", medical_record_number="MRN-E-0006"
        ),
        date_of_diagnosis=dt.date(2015, 9, 20),
        primary_site="C22.0",
        size_mm=None,
    )
    ImagingStudyFactory(tumor=e, date=dt.date(2015, 9, 1), date_precision="M", result="")
    ImagingStudyFactory(tumor=e, date=dt.date(2024, 1, 1), date_precision="M")
    ImagingStudyFactory(tumor=e, date=dt.date(2018, 1, 1), date_precision="Y", modality="mri")
    MolecularTestFactory(
        tumor=e,
        specimen_date=dt.date(2015, 1, 1),
        specimen_date_precision="Y",
        gene="ALK",
        method="fish",
        result="positive",
        nuclei_counted=50,
        nuclei_rearranged=20,
    )
    MolecularTestFactory(
        tumor=e,
        specimen_date=dt.date(2016, 3, 1),
        specimen_date_precision="M",
        gene="ROS1",
        method="rna_ngs",
        result="negative",
    )
    TreatmentFactory(
        tumor=e,
        start_date=dt.date(2023, 10, 1),
        start_date_precision="M",
        end_date=dt.date(2024, 6, 1),
        end_reason="completed",
        agent="",
    )
    TreatmentFactory(
        tumor=e,
        start_date=dt.date(2016, 1, 1),
        start_date_precision="Y",
        end_date=dt.date(2016, 12, 1),
        end_date_precision="M",
        end_reason="toxicity",
        intent="",
        best_response="PR",
    )
    DiseaseEventFactory(
        tumor=e,
        event_type="distant_metastasis",
        date=dt.date(2017, 5, 1),
        date_precision="M",
        metastatic_sites=["52", "51"],
    )
    DiseaseEventFactory(
        tumor=e,
        event_type="local_recurrence",
        date=dt.date(2019, 1, 1),
        date_precision="Y",
        metastatic_sites=[],
    )
    # Diagnosis known to the year only: its origin is July 1.
    f = TumorFactory(
        patient=e.patient,
        date_of_diagnosis=dt.date(2018, 1, 1),
        date_of_diagnosis_precision="Y",
        primary_site="C34.1",
    )
    ImagingStudyFactory(tumor=f, date=dt.date(2018, 3, 1), date_precision="M")
    DiseaseEventFactory(tumor=f, event_type="local_recurrence", date=dt.date(2020, 2, 2))
    tumors.update(e=e, f=f)
    return tumors


def export(
    user, monkeypatch, *, copy: bool, linkable=True, identified=False, criteria=None
) -> zipfile.ZipFile:
    monkeypatch.setattr(copy_export, "copy_supported", lambda plan: copy and plan.file_format == "csv")
    plan = services.export_plan_build(
        user=user,
        cohort=None,
        criteria_input=criteria or {},
        cut_off=CUT_OFF,
        file_format="csv",
        linkable=linkable,
        identified=identified,
    )
    log = services.export_log_start(plan=plan)
    copies = []
    real_copy_into = copy_export.copy_into
    monkeypatch.setattr(
        copy_export, "copy_into", lambda sql, target: copies.append(sql) or real_copy_into(sql, target)
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(bundle.export_bundle_chunks(plan, log.pk))))
    assert len(copies) == (4 if copy else 0)  # one tumor-id range per long table, or none
    return archive


def key_translation(python_path: zipfile.ZipFile, copy_path: zipfile.ZipFile) -> dict[bytes, bytes]:
    """Unlinkable keys differ per export: pair them through the tumors tables (same rows, same order)."""
    python_keys = KEY.findall(python_path.read("tumors.csv"))
    copy_keys = KEY.findall(copy_path.read("tumors.csv"))
    assert len(python_keys) == len(copy_keys) > 0
    translation = dict(zip(copy_keys, python_keys, strict=False))
    assert len(set(translation.values())) == len(translation)  # one-to-one
    return translation


@pytest.mark.parametrize(
    "linkable, identified",
    [(True, False), (False, False), (True, True)],
    ids=["linkable", "unlinkable", "identified"],
)
def test_copy_path_writes_the_same_csv_bytes_as_the_python_path(
    epidemiologist, registry_admin, registry, monkeypatch, linkable, identified
):
    user = registry_admin if identified else epidemiologist
    python_path = export(user, monkeypatch, copy=False, linkable=linkable, identified=identified)
    copy_path = export(user, monkeypatch, copy=True, linkable=linkable, identified=identified)
    translation = key_translation(python_path, copy_path) if not linkable else {}
    for table in TABLES:
        expected = python_path.read(f"{table}.csv")
        written = copy_path.read(f"{table}.csv")
        if translation:
            # Every key of a long table must be one the tumors table gave out in the same export.
            written = KEY.sub(lambda match: translation[match.group(0)], written)
        assert written == expected, table
    assert copy_path.read("codebook.csv") == python_path.read("codebook.csv")


def test_copy_path_exports_the_same_rows_of_a_cohort_as_the_python_path(
    epidemiologist, registry, monkeypatch
):
    # Criteria become a subquery with bound parameters (a LIKE prefix among them) in the COPY text.
    criteria = {"topography_prefix": ["C48", "C22"], "treatment_category": ["alk_inhibitor"]}
    python_path = export(epidemiologist, monkeypatch, copy=False, criteria=criteria)
    copy_path = export(epidemiologist, monkeypatch, copy=True, criteria=criteria)
    assert python_path.read("tumors.csv").count(b"\n") == 3  # header, tumors a and e
    for table in TABLES:
        assert copy_path.read(f"{table}.csv") == python_path.read(f"{table}.csv"), table


def test_copy_path_covers_the_partial_dates_labels_and_empty_values_it_claims_to(
    epidemiologist, registry, monkeypatch
):
    archive = export(epidemiologist, monkeypatch, copy=True)
    imaging = archive.read("imaging.csv").decode().splitlines()
    assert imaging[0].startswith("patient_key,tumor_key,day,purpose,purpose_label")
    days = [row.split(",")[2] for row in imaging[1:]]
    assert "0" in days  # month-precision study of the diagnosis month: floored to the diagnosis date
    assert "" in days  # month-precision study imputed to after the cut-off: no day released
    assert "-14" not in days
    molecular = archive.read("molecular.csv").decode()
    assert ",50,20," in molecular and ",Positive," in molecular
    assert "52;51" in archive.read("events.csv").decode()
    # Tumor e's two treatments, without their keys.
    treatments = [row.split(",", 2)[2] for row in archive.read("treatments.csv").decode().splitlines()[1:]]
    # Started in 2016 (year only: July 1, day 285), ended in December 2016 (month only: the 15th, day
    # 452) for toxicity; its empty intent stays empty.
    assert (
        "alk_inhibitor,ALK inhibitor,crizotinib,Crizotinib,285,452,,,toxicity,Toxicity,PR,Partial response"
        in treatments
    )
    # Ends after the cut-off: released without its end day or end reason; the empty agent stays empty.
    assert "alk_inhibitor,ALK inhibitor,,,2947,,,,,,," in treatments


def test_unlinkable_copy_export_stores_no_key_and_leaves_no_table_behind(
    epidemiologist, registry, monkeypatch
):
    export(epidemiologist, monkeypatch, copy=True, linkable=False)
    assert not SurrogateKey.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'export_keys_%%'")
        assert cursor.fetchone()[0] == 0
