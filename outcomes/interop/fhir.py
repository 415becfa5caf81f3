"""FHIR R4B resources shaped after mCODE, written as NDJSON (one resource per line) or one Bundle per patient.

Per patient: Patient; per tumor a primary cancer Condition (ICD-O-3 morphology and topography), a tumor
size Observation when the largest dimension is known in mm, a surgical Procedure per surgery, a genomic
variant Observation per positive molecular test, a cancer disease status Observation per imaging study
with a result, and a MedicationRequest per targeted therapy (ALK and ROS1/NTRK inhibitors). DESIGN
section 9; codes from `reference/README.md` ("Other vocabularies").

Every resource is built through the `fhir.resources.R4B` models, so a structurally invalid resource
fails at construction, before a byte of it leaves. Resource ids are stable (registry number, or the
registry's row id prefixed by the resource kind), so two exports of the same record can be diffed and
references between resources resolve inside one export.

Like the NAACCR file, the export is identified by nature: `identified=False` leaves out names and the
medical record number only; registry numbers and full dates remain.

Not exported: presentation and laboratory values, disease events (the disease status Observations come
from imaging results, as mCODE models them), non-targeted treatments, laterality, fusion partners as
coded genes (they are named in the genomic Observation's note).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.resource import Resource

from registry.vocabularies import (
    DatePrecision,
    Gene,
    ImagingResult,
    Sex,
    SurgeryExtent,
    TestResult,
    TreatmentCategory,
    VitalStatus,
)

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
HGNC = "http://www.genenames.org/geneId"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

REGISTRY_NUMBER_SYSTEM = "urn:imt-registry:registry-number"
MRN_SYSTEM = "urn:imt-registry:mrn"  # suffixed with ":<institution code>" when the institution is known

NDJSON_CONTENT_TYPE = "application/fhir+ndjson"

GENDER = {Sex.MALE: "male", Sex.FEMALE: "female", Sex.UNKNOWN: "unknown"}  # every other NAACCR code: "other"

# HGNC ids of the genes the registry tests; "other" and IGF1R go out as text only.
HGNC_IDS = {
    Gene.ALK: "HGNC:427",
    Gene.ROS1: "HGNC:10261",
    Gene.NTRK1: "HGNC:8031",
    Gene.NTRK2: "HGNC:8032",
    Gene.NTRK3: "HGNC:8033",
    Gene.RET: "HGNC:9967",
    Gene.PDGFRB: "HGNC:8804",
}

NOT_DETECTED = ("260415000", "Not detected (qualifier value)")
STABLE = ("359746009", "Patient's condition stable (finding)")
WORSENED = ("271299001", "Patient's condition worsened (finding)")
UNDETERMINED = ("709137006", "Patient condition undetermined (finding)")
DISEASE_STATUS = {
    ImagingResult.NED: NOT_DETECTED,
    ImagingResult.STABLE_RESIDUAL: STABLE,
    ImagingResult.LOCAL_RECURRENCE: WORSENED,
    ImagingResult.REGIONAL_RECURRENCE: WORSENED,
    ImagingResult.DISTANT_METASTASIS: WORSENED,
    ImagingResult.PROGRESSION: WORSENED,
    ImagingResult.INDETERMINATE: UNDETERMINED,
}

SURGERY_CODE = {
    SurgeryExtent.COMPLETE: ("65801008", "Excision (procedure)"),
    SurgeryExtent.INCOMPLETE: ("65801008", "Excision (procedure)"),
    SurgeryExtent.BIOPSY: ("86273004", "Biopsy (procedure)"),
}

TARGETED_CATEGORIES = (TreatmentCategory.ALK_INHIBITOR, TreatmentCategory.ROS1_NTRK_INHIBITOR)


def fhir_date(value: dt.date | None, precision: str | None) -> str | None:
    """YYYY-MM-DD, YYYY-MM or YYYY by how much of the date is known (FHIR date and dateTime allow all three)."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def patient_id(patient) -> str:
    return f"imt-p-{patient.registry_number}"


def condition_id(tumor) -> str:
    return f"imt-t-{tumor.pk}"


def _ref(kind: str, resource_id: str) -> dict:
    return {"reference": f"{kind}/{resource_id}"}


def _coding(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    concept = {"coding": [_coding(system, code, display)]}
    if text:
        concept["text"] = text
    return concept


def _meta(profile: str) -> dict:
    return {"profile": [MCODE + profile]}


def _laboratory() -> list[dict]:
    return [{"coding": [_coding(OBSERVATION_CATEGORY, "laboratory", "Laboratory")]}]


def patient_resource(patient, *, identified: bool) -> Patient:
    data = {
        "resourceType": "Patient",
        "id": patient_id(patient),
        "meta": _meta("mcode-cancer-patient"),
        "identifier": [{"system": REGISTRY_NUMBER_SYSTEM, "value": str(patient.registry_number)}],
        "gender": GENDER.get(patient.sex, "other"),
    }
    if identified:
        if patient.medical_record_number:
            institution = patient.institution.code if patient.institution_id else None
            data["identifier"].append(
                {
                    "type": _concept(IDENTIFIER_TYPE, "MR", "Medical record number"),
                    "system": f"{MRN_SYSTEM}:{institution}" if institution else MRN_SYSTEM,
                    "value": patient.medical_record_number,
                }
            )
        name = {
            k: v
            for k, v in (
                ("family", patient.last_name),
                ("given", [patient.first_name] if patient.first_name else None),
            )
            if v
        }
        if name:
            data["name"] = [{"use": "official", **name}]
    birth = fhir_date(patient.date_of_birth, patient.date_of_birth_precision)
    if birth:
        data["birthDate"] = birth
    death = fhir_date(patient.date_of_death, patient.date_of_death_precision)
    if death:
        data["deceasedDateTime"] = death
    elif patient.vital_status == VitalStatus.DEAD:
        data["deceasedBoolean"] = True
    return Patient.model_validate(data)


def condition_resource(tumor, patient) -> Condition:
    morphology = f"{tumor.histology}/{tumor.behavior}"
    return Condition.model_validate(
        {
            "resourceType": "Condition",
            "id": condition_id(tumor),
            "meta": _meta("mcode-primary-cancer-condition"),
            "verificationStatus": _concept(CONDITION_VERIFICATION, "confirmed", "Confirmed"),
            "code": _concept(ICDO3, morphology, text=tumor.get_variant_display()),
            "bodySite": [_concept(ICDO3, tumor.primary_site)],
            "subject": _ref("Patient", patient_id(patient)),
            "onsetDateTime": fhir_date(tumor.date_of_diagnosis, tumor.date_of_diagnosis_precision),
        }
    )


def tumor_size_resource(tumor, patient) -> Observation | None:
    if tumor.size_mm is None:
        return None
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "id": f"imt-ts-{tumor.pk}",
            "meta": _meta("mcode-tumor-size"),
            "status": "final",
            "code": _concept(LOINC, "21889-1", "Size Tumor"),
            "subject": _ref("Patient", patient_id(patient)),
            "focus": [_ref("Condition", condition_id(tumor))],
            "effectiveDateTime": fhir_date(tumor.date_of_diagnosis, tumor.date_of_diagnosis_precision),
            "component": [
                {
                    "code": _concept(LOINC, "33728-7", "Size.maximum dimension in Tumor"),
                    "valueQuantity": {"value": tumor.size_mm, "unit": "mm", "system": UCUM, "code": "mm"},
                }
            ],
        }
    )


def procedure_resource(surgery, tumor, patient) -> Procedure:
    code, display = SURGERY_CODE[surgery.extent]
    data = {
        "resourceType": "Procedure",
        "id": f"imt-s-{surgery.pk}",
        "meta": _meta("mcode-cancer-related-surgical-procedure"),
        "status": "completed",
        "code": _concept(SNOMED, code, display, text=surgery.get_extent_display()),
        "subject": _ref("Patient", patient_id(patient)),
        "performedDateTime": fhir_date(surgery.date, surgery.date_precision),
        "bodySite": [_concept(ICDO3, tumor.primary_site)],
        "reasonReference": [_ref("Condition", condition_id(tumor))],
    }
    if surgery.margin:
        # Residual tumor classification as a note: mCODE has no coded slot for it on the procedure.
        data["note"] = [{"text": f"Residual tumor: {surgery.get_margin_display()}"}]
    return Procedure.model_validate(data)


def genomic_variant_resource(test, tumor, patient) -> Observation:
    hgnc = HGNC_IDS.get(test.gene)
    gene = _concept(HGNC, hgnc, str(test.gene)) if hgnc else {"text": test.get_gene_display()}
    data = {
        "resourceType": "Observation",
        "id": f"imt-m-{test.pk}",
        "meta": _meta("mcode-genomic-variant"),
        "status": "final",
        "category": _laboratory(),
        "code": _concept(LOINC, "69548-6", "Genetic variant assessment"),
        "subject": _ref("Patient", patient_id(patient)),
        "focus": [_ref("Condition", condition_id(tumor))],
        "effectiveDateTime": fhir_date(test.specimen_date, test.specimen_date_precision),
        "valueCodeableConcept": _concept(
            LOINC, "LA9633-4", "Present", text=f"{test.get_gene_display()} fusion"
        ),
        "method": {"text": test.get_method_display()},
        "component": [
            {"code": _concept(LOINC, "48018-6", "Gene studied [ID]"), "valueCodeableConcept": gene}
        ],
    }
    if test.fusion_partner:
        data["note"] = [{"text": f"Fusion partner: {test.get_fusion_partner_display()}"}]
    return Observation.model_validate(data)


def disease_status_resource(study, tumor, patient) -> Observation:
    code, display = DISEASE_STATUS[study.result]
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "id": f"imt-i-{study.pk}",
            "meta": _meta("mcode-cancer-disease-status"),
            "status": "final",
            "code": _concept(LOINC, "97509-4", "Cancer disease progression"),
            "subject": _ref("Patient", patient_id(patient)),
            "focus": [_ref("Condition", condition_id(tumor))],
            "effectiveDateTime": fhir_date(study.date, study.date_precision),
            "valueCodeableConcept": _concept(SNOMED, code, display, text=study.get_result_display()),
            "method": {"text": study.get_modality_display()},
        }
    )


def medication_request_resource(treatment, tumor, patient) -> MedicationRequest:
    name = treatment.get_agent_display() if treatment.agent else treatment.get_category_display()
    return MedicationRequest.model_validate(
        {
            "resourceType": "MedicationRequest",
            "id": f"imt-rx-{treatment.pk}",
            "meta": _meta("mcode-cancer-related-medication-request"),
            "status": "completed" if treatment.end_date else "active",
            "intent": "order",
            "medicationCodeableConcept": {"text": name},
            "subject": _ref("Patient", patient_id(patient)),
            "authoredOn": fhir_date(treatment.start_date, treatment.start_date_precision),
            "reasonReference": [_ref("Condition", condition_id(tumor))],
        }
    )


def tumor_resources(tumor, patient) -> Iterator[Resource]:
    """The resources of one tumor, from the prefetched surgeries, tests, imaging studies and treatments."""
    yield condition_resource(tumor, patient)
    size = tumor_size_resource(tumor, patient)
    if size is not None:
        yield size
    for surgery in tumor.surgeries.all():
        yield procedure_resource(surgery, tumor, patient)
    for test in tumor.molecular_tests.all():
        if test.result == TestResult.POSITIVE:
            yield genomic_variant_resource(test, tumor, patient)
    for study in tumor.imaging_studies.all():
        if study.result:
            yield disease_status_resource(study, tumor, patient)
    for treatment in tumor.treatments.all():
        if treatment.category in TARGETED_CATEGORIES:
            yield medication_request_resource(treatment, tumor, patient)


def patient_resources(patient, *, identified: bool) -> Iterator[Resource]:
    yield patient_resource(patient, identified=identified)
    for tumor in patient.tumors.all():
        yield from tumor_resources(tumor, patient)


def patient_bundle(patient, *, identified: bool) -> Bundle:
    """One patient's resources as a FHIR Bundle of type collection."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": resource} for resource in patient_resources(patient, identified=identified)
            ],
        }
    )


@dataclass
class FhirNdjsonWriter:
    """Writes the export as NDJSON, one chunk of patients per piece, keeping counts and sha256 as it goes."""

    identified: bool
    patients: int = 0
    tumors: int = 0
    resources: int = 0
    _hash: object = field(default_factory=hashlib.sha256, repr=False)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def patient_block(self, patients: Iterable) -> bytes:
        lines: list[str] = []
        for patient in patients:
            for resource in patient_resources(patient, identified=self.identified):
                lines.append(resource.model_dump_json())  # compact JSON: never a newline inside a line
                self.resources += 1
            self.tumors += len(patient.tumors.all())
            self.patients += 1
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        self._hash.update(data)
        return data

    def stream(self, patient_chunks: Iterable[Sequence]) -> Iterator[bytes]:
        for chunk in patient_chunks:
            yield self.patient_block(chunk)
