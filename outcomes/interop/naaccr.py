"""NAACCR XML (specification 1.8, record type A, base dictionary 25) written as a stream.

The writer turns chunks of patients (with their tumors, surgeries, events and molecular tests prefetched,
see `outcomes.interop.selectors.naaccr_patient_chunks`) into UTF-8 pieces, one chunk at a time, so memory
stays bounded whatever the size of the registry. Item ids and levels follow
`reference/naaccr/naaccr-dictionary-250.xml`; the registry's own items (gene status, fusion partner,
variant) are described in `fixtures/naaccr/imt-user-dictionary.xml`.

NAACCR exports are identified files by nature: `identified=False` leaves out names and the medical
record number only. Registry numbers (patientIdNumber) and full dates (birth, diagnosis, last contact,
recurrence) remain, so a file written either way is still protected health information.

Not exported: causeOfDeath (NAACCR 1910) is an ICD-10 code and the registry records cause of death as
IMT / treatment-related / other / unknown, which has no faithful ICD code; only the NAACCR code 0000
("patient alive at last contact") is written, for living patients.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

from registry import derived
from registry.dates import PartialDate, impute
from registry.imports.naaccr_codes import NAMESPACE, naaccr_date
from registry.vocabularies import (
    MARGIN_TO_NAACCR,
    NAACCR_NO_RESECTION,
    DatePrecision,
    EventType,
    TestResult,
    VitalStatus,
)

BASE_DICTIONARY_URI = "http://naaccr.org/naaccrxml/naaccr-dictionary-250.xml"
# Must equal the dictionaryUri of fixtures/naaccr/imt-user-dictionary.xml.
USER_DICTIONARY_URI = "urn:imt-registry:naaccrxml:imt-user-dictionary-1"
SPECIFICATION_VERSION = "1.8"
RECORD_TYPE = "A"

# Registry items of the user dictionary: naaccrId -> naaccrNum (outside the base dictionary's numbers).
USER_ITEMS = {
    "imtAlkStatus": 9501,
    "imtRos1Status": 9502,
    "imtNtrkStatus": 9503,
    "imtFusionPartner": 9504,
    "imtVariant": 9505,
}

# NAACCR 1880 recurrenceType1st.
DISEASE_FREE = "00"
LOCAL_NOS = "10"
REGIONAL_NOS = "20"
LOCAL_AND_REGIONAL = "30"
DISTANT_NOS = "40"
MULTIPLE_DISTANT = "62"
DISTANT_AND_LOCAL_OR_REGIONAL = "60"
NEVER_DISEASE_FREE = "70"
# Events that end a disease-free interval (progression of residual disease cannot: there was none).
RECURRENCE_EVENTS = (EventType.LOCAL_RECURRENCE, EventType.REGIONAL_RECURRENCE, EventType.DISTANT_METASTASIS)

# Characters XML 1.0 cannot carry at all; free text typed into a name field could hold one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _surgery_facts(surgeries: Iterable) -> list[derived.SurgeryFacts]:
    return [
        derived.SurgeryFacts(s.id, impute(s.date, s.date_precision), s.extent, s.margin) for s in surgeries
    ]


def surgical_margins(surgeries: Iterable) -> str:
    """NAACCR 1320: the definitive resection's margin, else the last resection's; 8 with no resection."""
    facts = _surgery_facts(surgeries)
    chosen = derived.definitive_resection(facts)
    if chosen is None:
        resections = [s for s in facts if s.extent != "biopsy"]
        chosen = max(resections, key=lambda s: (s.date, s.id)) if resections else None
    return MARGIN_TO_NAACCR[chosen.margin] if chosen is not None else NAACCR_NO_RESECTION


def _type_of(events: Sequence) -> str:
    """Recurrence type of the events found on the first recurrence date."""
    kinds = {e.event_type for e in events}
    distant = EventType.DISTANT_METASTASIS in kinds
    local = EventType.LOCAL_RECURRENCE in kinds
    regional = EventType.REGIONAL_RECURRENCE in kinds
    if distant and (local or regional):
        return DISTANT_AND_LOCAL_OR_REGIONAL
    if distant:
        sites = sorted(
            {
                site
                for e in events
                if e.event_type == EventType.DISTANT_METASTASIS
                for site in (e.metastatic_sites or [])
            }
        )
        if len(sites) == 1:
            return sites[0]  # stored as the NAACCR organ code (51-59)
        return MULTIPLE_DISTANT if sites else DISTANT_NOS
    if local and regional:
        return LOCAL_AND_REGIONAL
    return REGIONAL_NOS if regional else LOCAL_NOS


def first_recurrence(tumor, surgeries: Iterable, events: Iterable) -> tuple[str | None, str]:
    """NAACCR 1860 and 1880: (date or None, type).

    A tumor is disease-free from its definitive resection (section 4), unless it was metastatic at
    diagnosis; the first local, regional or distant event strictly after that resection is the first
    recurrence (as in the outcome analysis). Never disease-free: 70 and no date.
    """
    resection = derived.definitive_resection(_surgery_facts(surgeries))
    if resection is None or tumor.metastatic_at_diagnosis:
        return None, NEVER_DISEASE_FREE
    after = [
        e
        for e in events
        if e.event_type in RECURRENCE_EVENTS and impute(e.date, e.date_precision) > resection.date
    ]
    if not after:
        return None, DISEASE_FREE
    first_date = min(impute(e.date, e.date_precision) for e in after)
    first = [e for e in after if impute(e.date, e.date_precision) == first_date]
    # Events on the first recurrence date share it; write it with the precision of the earliest recorded.
    head = min(first, key=lambda e: (e.date, e.id))
    return naaccr_date(head.date, head.date_precision), _type_of(first)


def fusion_partner(tests: Iterable) -> str:
    """The partner named by the earliest positive test that names one (registry code), else empty."""
    named = [t for t in tests if t.result == TestResult.POSITIVE and t.fusion_partner]
    return min(named, key=lambda t: (t.specimen_date, t.id)).fusion_partner if named else ""


def _last_contact(patient) -> PartialDate | None:
    """NAACCR 1750: the derived last contact (DESIGN section 4), with the precision of the date it came
    from when that is the recorded last contact or the death; otherwise a dated record, known to the day."""
    value = patient.last_contact or derived.latest([patient.date_of_last_contact, patient.date_of_death])
    if value is None:
        return None
    for date, precision in (
        (patient.date_of_last_contact, patient.date_of_last_contact_precision),
        (patient.date_of_death, patient.date_of_death_precision),
    ):
        if date == value:
            return PartialDate.of(date, precision)
    return PartialDate.of(value, DatePrecision.DAY)


def patient_items(patient, *, identified: bool) -> list[tuple[str, str | None]]:
    last_contact = _last_contact(patient)
    items = [("patientIdNumber", f"{patient.registry_number:08d}")]
    if identified:
        items += [("nameLast", patient.last_name), ("nameFirst", patient.first_name)]
    items += [
        ("sex", str(patient.sex)),
        # A race or origin the registry does not hold is NAACCR's "unknown".
        ("race1", patient.race or "99"),
        ("spanishHispanicOrigin", patient.hispanic_origin or "9"),
        ("dateOfBirth", naaccr_date(patient.date_of_birth, patient.date_of_birth_precision)),
        ("vitalStatus", str(patient.vital_status)),
        ("dateOfLastContact", last_contact and naaccr_date(last_contact.value, last_contact.precision)),
        ("causeOfDeath", "0000" if patient.vital_status == VitalStatus.ALIVE else None),
    ]
    return items


def tumor_items(tumor, patient, *, identified: bool) -> list[tuple[str, str | None]]:
    surgeries = list(tumor.surgeries.all())
    tests = list(tumor.molecular_tests.all())
    statuses = derived.tumor_gene_statuses([derived.TestOutcome(t.gene, t.method, t.result) for t in tests])
    recurrence_date, recurrence_type = first_recurrence(tumor, surgeries, tumor.events.all())
    items = [("tumorRecordNumber", f"{tumor.tumor_record_number:02d}")]
    if identified:
        # medicalRecordNumber sits at the Tumor level in dictionary 25.
        items.append(("medicalRecordNumber", patient.medical_record_number))
    items += [
        ("sequenceNumberCentral", tumor.sequence_number),
        ("dateOfDiagnosis", naaccr_date(tumor.date_of_diagnosis, tumor.date_of_diagnosis_precision)),
        ("primarySite", tumor.primary_site.replace(".", "")),
        ("laterality", str(tumor.laterality)),
        ("histologicTypeIcdO3", str(tumor.histology)),
        ("behaviorCodeIcdO3", str(tumor.behavior)),
        ("diagnosticConfirmation", str(tumor.basis_of_diagnosis)),
        ("tumorSizeSummary", tumor.naaccr_size),
        ("rxSummSurgicalMargins", surgical_margins(surgeries)),
        ("recurrenceDate1st", recurrence_date),
        ("recurrenceType1st", recurrence_type),
        ("imtAlkStatus", statuses["alk_status"]),
        ("imtRos1Status", statuses["ros1_status"]),
        ("imtNtrkStatus", statuses["ntrk_status"]),
        ("imtFusionPartner", fusion_partner(tests)),
        ("imtVariant", tumor.variant),
    ]
    return items


def _items_xml(items: Iterable[tuple[str, str | None]], indent: str) -> list[str]:
    # An empty value is "not known": NAACCR XML leaves the item out rather than writing it blank.
    return [
        f'{indent}<Item naaccrId="{naaccr_id}">{escape(_NOT_XML.sub("", value))}</Item>\n'
        for naaccr_id, value in items
        if value
    ]


@dataclass
class NaaccrXmlWriter:
    """Writes one NAACCR XML file as UTF-8 pieces and keeps its counts and sha256 as it goes."""

    identified: bool
    patients: int = 0
    tumors: int = 0
    _hash: object = field(default_factory=hashlib.sha256, repr=False)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _out(self, text: str) -> bytes:
        data = text.encode("utf-8")
        self._hash.update(data)
        return data

    def header(self) -> bytes:
        generated = timezone.now().replace(microsecond=0).isoformat()
        return self._out(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<NaaccrData baseDictionaryUri={quoteattr(BASE_DICTIONARY_URI)}\n"
            f"            userDictionaryUri={quoteattr(USER_DICTIONARY_URI)}\n"
            f'            recordType="{RECORD_TYPE}"\n'
            f'            specificationVersion="{SPECIFICATION_VERSION}"\n'
            f'            timeGenerated="{generated}"\n'
            f'            xmlns="{NAMESPACE}">\n'
        )

    def patient_block(self, patients: Iterable) -> bytes:
        parts: list[str] = []
        for patient in patients:
            parts.append("    <Patient>\n")
            parts += _items_xml(patient_items(patient, identified=self.identified), "        ")
            for tumor in patient.tumors.all():
                parts.append("        <Tumor>\n")
                parts += _items_xml(tumor_items(tumor, patient, identified=self.identified), "            ")
                parts.append("        </Tumor>\n")
                self.tumors += 1
            parts.append("    </Patient>\n")
            self.patients += 1
        return self._out("".join(parts))

    def footer(self) -> bytes:
        return self._out("</NaaccrData>\n")

    def stream(self, patient_chunks: Iterable[Sequence]) -> Iterator[bytes]:
        yield self.header()
        for chunk in patient_chunks:
            yield self.patient_block(chunk)
        yield self.footer()
