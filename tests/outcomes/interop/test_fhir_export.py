"""FHIR R4B export shaped after mCODE: every resource with its profile, codes and references; NDJSON lines
that parse with the R4B models; names and MRN only when identified; withdrawn consent left out;
registrars and admins only; every export logged and closed; a fixed number of queries."""

import datetime as dt
import hashlib
import importlib
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes.interop import fhir, selectors, services
from outcomes.interop.models import InteropExportLog
from registry import vocabularies as v
from registry.vocabularies import ConsentStatus, DatePrecision, ImagingResult, Margin, VitalStatus
from tests.conftest import client_for
from tests.factories import (
    ImagingStudyFactory,
    MolecularTestFactory,
    PatientFactory,
    SurgeryFactory,
    TreatmentFactory,
    TumorFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/fhir/export/"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"


def r4b_model(resource_type: str):
    return getattr(importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}"), resource_type)


def export_lines(*, identified=True, user=None, chunk_size=500) -> list[dict]:
    log = services.fhir_export_start(user=user, identified=identified)
    body = b"".join(services.fhir_export_chunks(log_id=log.pk, identified=identified, chunk_size=chunk_size))
    return [json.loads(line) for line in body.decode().splitlines()]


@pytest.fixture
def case():
    """A patient born in June 2012 (month known), diagnosed in 2020 (year known), R1 resection, ALK FISH
    positive, crizotinib ongoing, imaging NED then a local recurrence."""
    patient = PatientFactory(
        date_of_birth=dt.date(2012, 6, 1),
        date_of_birth_precision=DatePrecision.MONTH,
        last_name="Rivera",
        first_name="Ana",
        medical_record_number="MRN0042",
    )
    tumor = TumorFactory(
        patient=patient,
        date_of_diagnosis=dt.date(2020, 1, 1),
        date_of_diagnosis_precision=DatePrecision.YEAR,
        primary_site="C34.1",
        size_mm=62,
    )
    surgery = SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), margin=Margin.R1)
    test = MolecularTestFactory(
        tumor=tumor, method=v.TestMethod.FISH, nuclei_counted=100, nuclei_rearranged=40
    )
    MolecularTestFactory(tumor=tumor, gene="ROS1", result="negative")
    treatment = TreatmentFactory(tumor=tumor, agent="crizotinib", start_date=dt.date(2020, 4, 1))
    ned = ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 6, 20), result=ImagingResult.NED)
    recurrence = ImagingStudyFactory(
        tumor=tumor, date=dt.date(2021, 1, 10), result=ImagingResult.LOCAL_RECURRENCE
    )
    return {
        "patient": patient,
        "tumor": tumor,
        "surgery": surgery,
        "test": test,
        "treatment": treatment,
        "ned": ned,
        "recurrence": recurrence,
    }


def exported_patient(patient):
    """The patient as the export reads it (tumors and their records prefetched)."""
    return next(p for chunk in selectors.fhir_patient_chunks() for p in chunk if p.pk == patient.pk)


def bundle_resources(patient, *, identified=True) -> dict[str, dict]:
    """One patient's Bundle as {"Type/id": resource JSON}."""
    bundle = fhir.patient_bundle(exported_patient(patient), identified=identified)
    assert bundle.type == "collection"
    return {
        f"{e.resource.get_resource_type()}/{e.resource.id}": json.loads(e.resource.model_dump_json())
        for e in bundle.entry
    }


def codes(concept) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept["coding"]}


def test_the_patient_carries_registry_number_name_mrn_gender_and_partial_birth_date(case):
    patient = case["patient"]
    resources = bundle_resources(patient)
    resource = resources[f"Patient/imt-p-{patient.registry_number}"]
    assert resource["meta"]["profile"] == [MCODE + "mcode-cancer-patient"]
    registry_number = {"system": "urn:imt-registry:registry-number", "value": str(patient.registry_number)}
    assert registry_number in resource["identifier"]
    assert "MRN0042" in [i["value"] for i in resource["identifier"]]
    assert resource["name"] == [{"use": "official", "family": "Rivera", "given": ["Ana"]}]
    assert (resource["gender"], resource["birthDate"]) == ("female", "2012-06")
    assert "deceasedDateTime" not in resource


def test_a_dead_patient_has_a_deceased_date_time_with_its_precision(db):
    patient = PatientFactory(
        vital_status=VitalStatus.DEAD,
        date_of_death=dt.date(2022, 5, 1),
        date_of_death_precision=DatePrecision.MONTH,
    )
    resource = bundle_resources(patient)[f"Patient/imt-p-{patient.registry_number}"]
    assert resource["deceasedDateTime"] == "2022-05"


def test_the_tumor_is_a_primary_cancer_condition_in_icd_o_3(case):
    patient, tumor = case["patient"], case["tumor"]
    condition = bundle_resources(patient)[f"Condition/imt-t-{tumor.pk}"]
    assert condition["meta"]["profile"] == [MCODE + "mcode-primary-cancer-condition"]
    assert codes(condition["code"]) == {("http://terminology.hl7.org/CodeSystem/icd-o-3", "8825/1")}
    assert codes(condition["bodySite"][0]) == {("http://terminology.hl7.org/CodeSystem/icd-o-3", "C34.1")}
    assert condition["onsetDateTime"] == "2020"
    assert condition["subject"] == {"reference": f"Patient/imt-p-{patient.registry_number}"}


def test_the_tumor_size_is_its_longest_dimension_in_mm(case):
    tumor = case["tumor"]
    size = bundle_resources(case["patient"])[f"Observation/imt-ts-{tumor.pk}"]
    assert size["meta"]["profile"] == [MCODE + "mcode-tumor-size"]
    assert codes(size["code"]) == {("http://loinc.org", "21889-1")}
    [component] = size["component"]
    assert codes(component["code"]) == {("http://loinc.org", "33728-7")}
    assert component["valueQuantity"] == {
        "value": 62,
        "unit": "mm",
        "system": "http://unitsofmeasure.org",
        "code": "mm",
    }
    assert size["focus"] == [{"reference": f"Condition/imt-t-{tumor.pk}"}]


def test_a_tumor_of_unknown_size_has_no_size_observation(db):
    tumor = TumorFactory(size_mm=None, size_code=999)
    assert not any(key.startswith("Observation/imt-ts-") for key in bundle_resources(tumor.patient))


def test_the_r1_resection_is_a_completed_surgical_procedure_for_the_condition(case):
    surgery, tumor = case["surgery"], case["tumor"]
    procedure = bundle_resources(case["patient"])[f"Procedure/imt-s-{surgery.pk}"]
    assert procedure["meta"]["profile"] == [MCODE + "mcode-cancer-related-surgical-procedure"]
    assert (procedure["status"], procedure["performedDateTime"]) == ("completed", "2020-03-20")
    assert procedure["reasonReference"] == [{"reference": f"Condition/imt-t-{tumor.pk}"}]
    assert "R1" in procedure["note"][0]["text"]


def test_the_positive_alk_fish_is_a_genomic_variant_naming_alk_by_hgnc_and_negatives_are_left_out(case):
    resources = bundle_resources(case["patient"])
    variants = [
        r for r in resources.values() if r.get("meta", {}).get("profile") == [MCODE + "mcode-genomic-variant"]
    ]
    [variant] = variants
    assert variant["id"] == f"imt-m-{case['test'].pk}"
    assert codes(variant["code"]) == {("http://loinc.org", "69548-6")}
    assert variant["valueCodeableConcept"]["coding"]
    [gene] = variant["component"]
    assert codes(gene["code"]) == {("http://loinc.org", "48018-6")}
    assert codes(gene["valueCodeableConcept"]) == {("http://www.genenames.org/geneId", "HGNC:427")}


def test_imaging_results_become_cancer_disease_status_not_detected_then_worsened(case):
    resources = bundle_resources(case["patient"])
    ned = resources[f"Observation/imt-i-{case['ned'].pk}"]
    recurrence = resources[f"Observation/imt-i-{case['recurrence'].pk}"]
    for status in (ned, recurrence):
        assert status["meta"]["profile"] == [MCODE + "mcode-cancer-disease-status"]
        assert codes(status["code"]) == {("http://loinc.org", "97509-4")}
        assert status["focus"] == [{"reference": f"Condition/imt-t-{case['tumor'].pk}"}]
    assert codes(ned["valueCodeableConcept"]) == {("http://snomed.info/sct", "260415000")}
    assert codes(recurrence["valueCodeableConcept"]) == {("http://snomed.info/sct", "271299001")}


def test_crizotinib_is_an_active_medication_request_until_it_has_an_end_date(case):
    treatment = case["treatment"]
    request = bundle_resources(case["patient"])[f"MedicationRequest/imt-rx-{treatment.pk}"]
    assert request["meta"]["profile"] == [MCODE + "mcode-cancer-related-medication-request"]
    assert (request["status"], request["authoredOn"]) == ("active", "2020-04-01")
    assert request["medicationCodeableConcept"] == {"text": "Crizotinib"}
    assert request["reasonReference"] == [{"reference": f"Condition/imt-t-{case['tumor'].pk}"}]
    treatment.end_date = dt.date(2021, 4, 1)
    treatment.save()
    request = bundle_resources(case["patient"])[f"MedicationRequest/imt-rx-{treatment.pk}"]
    assert request["status"] == "completed"


def test_non_targeted_treatments_are_not_exported(db):
    treatment = TreatmentFactory(category="nsaid", agent="ibuprofen")
    assert f"MedicationRequest/imt-rx-{treatment.pk}" not in bundle_resources(treatment.tumor.patient)


def test_every_ndjson_line_parses_as_an_r4b_resource_and_every_reference_resolves(case):
    lines = export_lines()
    types = {line["resourceType"] for line in lines}
    assert types == {"Patient", "Condition", "Observation", "Procedure", "MedicationRequest"}
    ids = {f"{line['resourceType']}/{line['id']}" for line in lines}
    for line in lines:
        r4b_model(line["resourceType"]).model_validate_json(json.dumps(line))
        subject = [line["subject"]] if "subject" in line else []
        for ref in subject + line.get("focus", []) + line.get("reasonReference", []):
            assert ref["reference"] in ids


def test_de_identified_export_has_no_name_and_no_mrn(case):
    lines = export_lines(identified=False)
    [patient] = [line for line in lines if line["resourceType"] == "Patient"]
    assert "name" not in patient
    assert [i["system"] for i in patient["identifier"]] == ["urn:imt-registry:registry-number"]
    body = json.dumps(lines)
    assert "Rivera" not in body and "MRN0042" not in body


def test_withdrawn_consent_is_left_out(case):
    withdrawn = TumorFactory(patient=PatientFactory(consent_status=ConsentStatus.WITHDRAWN)).patient
    lines = export_lines()
    mentioned = {line.get("subject", {}).get("reference") for line in lines} | {
        f"Patient/{line['id']}" for line in lines if line["resourceType"] == "Patient"
    }
    assert f"Patient/imt-p-{withdrawn.registry_number}" not in mentioned
    assert f"Patient/imt-p-{case['patient'].registry_number}" in mentioned


@pytest.mark.parametrize("role", ["registrar", "admin"])
def test_registrars_and_admins_download_an_ndjson_attachment_that_is_logged(role_users, role, case):
    user = role_users[role]
    response = client_for(user).get(URL, {"identified": "false"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert response["Content-Disposition"].startswith('attachment; filename="imt-registry-fhir-')
    body = b"".join(response.streaming_content)
    assert b"Rivera" not in body
    log = InteropExportLog.objects.get()
    assert str(log.pk) == response["X-Export-Log-Id"]
    assert (log.user, log.file_format, log.identified, log.status) == (
        user,
        "fhir-bundle",
        False,
        InteropExportLog.Status.COMPLETED,
    )
    assert (log.patient_count, log.tumor_count) == (1, 1)
    assert log.sha256 == hashlib.sha256(body).hexdigest()
    assert log.finished_at is not None


@pytest.mark.parametrize("role", ["coordinator", "epidemiologist"])
def test_coordinators_and_epidemiologists_are_refused_and_nothing_is_logged(role_users, role):
    assert client_for(role_users[role]).get(URL).status_code == 403
    assert not InteropExportLog.objects.exists()


def test_an_anonymous_request_is_refused(api_client):
    assert api_client.get(URL).status_code in (401, 403)
    assert not InteropExportLog.objects.exists()


def test_a_bad_identified_flag_is_a_field_error_not_a_500(registrar):
    response = client_for(registrar).get(URL, {"identified": "perhaps"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["identified"]
    assert not InteropExportLog.objects.exists()


def test_an_export_abandoned_mid_stream_is_logged_as_failed(registrar):
    TumorFactory.create_batch(3)
    log = services.fhir_export_start(user=registrar, identified=True)
    pieces = services.fhir_export_chunks(log_id=log.pk, identified=True, chunk_size=1)
    next(pieces)
    pieces.close()
    log.refresh_from_db()
    assert (log.status, log.error_class, log.sha256) == (InteropExportLog.Status.FAILED, "GeneratorExit", "")


def _build(n):
    for _ in range(n):
        tumor = TumorFactory()
        SurgeryFactory(tumor=tumor)
        MolecularTestFactory(tumor=tumor)
        TreatmentFactory(tumor=tumor)
        ImagingStudyFactory(tumor=tumor)
        TumorFactory(patient=tumor.patient)


def _queries_for_export() -> int:
    log = services.fhir_export_start(user=None, identified=True)
    with CaptureQueriesContext(connection) as queries:
        b"".join(services.fhir_export_chunks(log_id=log.pk, identified=True))
    return len(queries)


def test_the_export_costs_the_same_queries_for_n_and_10n_patients(db):
    _build(3)
    small = _queries_for_export()
    _build(27)
    assert _queries_for_export() == small


def test_the_command_writes_de_identified_ndjson_and_logs_it(tmp_path, registrar, case):
    output = tmp_path / "registry.ndjson"
    call_command("export_fhir", "--output", str(output), "--username", "registrar")
    body = output.read_bytes()
    for line in body.decode().splitlines():
        resource = json.loads(line)
        r4b_model(resource["resourceType"]).model_validate_json(line)
    assert b"Rivera" not in body
    log = InteropExportLog.objects.get()
    assert (log.user, log.identified, log.file_format, log.status) == (
        registrar,
        False,
        "fhir-bundle",
        InteropExportLog.Status.COMPLETED,
    )
    assert log.sha256 == hashlib.sha256(body).hexdigest()


def test_the_command_with_identified_includes_names(tmp_path, case):
    output = tmp_path / "registry.ndjson"
    call_command("export_fhir", "--output", str(output), "--identified")
    assert b"Rivera" in output.read_bytes()
