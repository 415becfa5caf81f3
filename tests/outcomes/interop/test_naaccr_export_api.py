"""NAACCR XML export over the API and the command line: registrars and admins only, streamed as an
attachment, every export logged and closed, and a fixed number of queries whatever the registry's size."""

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes.interop import services
from outcomes.interop.models import InteropExportLog
from registry.vocabularies import ConsentStatus
from tests.conftest import client_for
from tests.factories import (
    DiseaseEventFactory,
    MolecularTestFactory,
    PatientFactory,
    SurgeryFactory,
    TumorFactory,
)
from tests.outcomes.interop.naaccr_helpers import assert_valid, parse

pytestmark = pytest.mark.django_db

URL = "/api/naaccr/export/"


def download(user, **params):
    response = client_for(user).get(URL, params)
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    return response, b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["registrar", "admin"])
def test_registrars_and_admins_download_an_attachment(role_users, role):
    TumorFactory()
    response, body = download(role_users[role])
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"].startswith('attachment; filename="imt-registry-naaccr-')
    assert_valid(body)


@pytest.mark.parametrize("role", ["coordinator", "epidemiologist"])
def test_coordinators_and_epidemiologists_are_refused_and_nothing_is_logged(role_users, role):
    response = client_for(role_users[role]).get(URL)
    assert response.status_code == 403
    assert not InteropExportLog.objects.exists()


def test_an_anonymous_request_is_refused(api_client):
    assert api_client.get(URL).status_code in (401, 403)
    assert not InteropExportLog.objects.exists()


def test_a_bad_identified_flag_is_a_field_error_not_a_500(registrar):
    response = client_for(registrar).get(URL, {"identified": "perhaps"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["identified"]
    assert not InteropExportLog.objects.exists()


def test_identified_false_over_the_api_leaves_names_out(registrar):
    tumor = TumorFactory()
    _, body = download(registrar, identified="false")
    assert "nameLast" not in parse(body)[f"{tumor.patient.registry_number:08d}"]["items"]
    assert InteropExportLog.objects.get().identified is False


def test_the_export_is_logged_and_closed_with_counts_and_checksum(registrar):
    TumorFactory.create_batch(2)
    second = TumorFactory()
    TumorFactory(patient=second.patient)
    TumorFactory(patient=PatientFactory(consent_status=ConsentStatus.WITHDRAWN))
    response, body = download(registrar)
    log = InteropExportLog.objects.get()
    assert str(log.pk) == response["X-Export-Log-Id"]
    assert (log.user, log.file_format, log.identified) == (registrar, "naaccr-xml", True)
    assert (log.patient_count, log.tumor_count) == (3, 4)
    assert log.sha256 == hashlib.sha256(body).hexdigest()
    assert log.status == InteropExportLog.Status.COMPLETED
    assert log.finished_at is not None


def test_an_export_abandoned_mid_stream_is_logged_as_failed(registrar):
    TumorFactory.create_batch(3)
    log = services.naaccr_export_start(user=registrar, identified=True)
    pieces = services.naaccr_export_chunks(log_id=log.pk, identified=True, chunk_size=1)
    next(pieces)
    pieces.close()  # the client went away
    log.refresh_from_db()
    assert log.status == InteropExportLog.Status.FAILED
    assert log.error_class == "GeneratorExit"
    assert log.sha256 == ""


def _build(n):
    for _ in range(n):
        tumor = TumorFactory()
        SurgeryFactory(tumor=tumor)
        DiseaseEventFactory(tumor=tumor)
        MolecularTestFactory(tumor=tumor)
        TumorFactory(patient=tumor.patient)


def _queries_for_export() -> int:
    log = services.naaccr_export_start(user=None, identified=True)
    with CaptureQueriesContext(connection) as queries:
        b"".join(services.naaccr_export_chunks(log_id=log.pk, identified=True))
    return len(queries)


def test_the_export_costs_the_same_queries_for_n_and_10n_patients(db):
    _build(3)
    small = _queries_for_export()
    _build(27)
    assert _queries_for_export() == small


def test_the_command_writes_a_valid_file_and_logs_it(tmp_path, registrar):
    TumorFactory()
    output = tmp_path / "registry.xml"
    call_command("export_naaccr", "--output", str(output), "--username", "registrar")
    body = output.read_bytes()
    assert_valid(body)
    log = InteropExportLog.objects.get()
    assert (log.user, log.identified, log.status) == (registrar, False, InteropExportLog.Status.COMPLETED)
    assert log.sha256 == hashlib.sha256(body).hexdigest()
    assert b"nameLast" not in body


def test_the_command_with_identified_includes_names(tmp_path):
    TumorFactory()
    output = tmp_path / "registry.xml"
    call_command("export_naaccr", "--output", str(output), "--identified")
    assert b"nameLast" in output.read_bytes()
    assert InteropExportLog.objects.get().user is None


def test_the_command_names_a_bad_output_path_and_logs_nothing(tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("export_naaccr", "--output", str(tmp_path / "missing" / "registry.xml"))
    assert not InteropExportLog.objects.exists()
