"""NAACCR XML import (DESIGN section 9): read any NAACCR XML file of specification 1.0 or later and take
its IMT tumors into the record.

The reader streams (`iterparse`, each Patient cleared once read), accepts gzip by its magic bytes and
only looks at elements in the NAACCR namespace (extensions in other namespaces are ignored). The
importer matches patients on (source registry, patientIdNumber) and tumors on (patient, the file's
tumorRecordNumber); new patients get registry numbers of our own. IMT is found by histology: 8825/1
is taken, 8825/3 goes to the review list (`ImportReview`, it also codes myofibroblastic sarcoma),
anything else is skipped and counted. A record that fails a hard rule is skipped with the names of
the fields at fault; everything else is written in one transaction. A dry run is the same code in a
transaction that is rolled back.

Not imported: rxSummSurgicalMargins. The registry keeps the residual tumor classification on a dated
surgery with an extent, which the NAACCR items read here do not give; the report counts the tumors
whose margin code was left out. Nothing identifying (names, ids, dates) goes into reasons or errors.
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from registry.imports.naaccr_codes import (
    NAMESPACE,
    parse_naaccr_date,
    size_from_naaccr,
    topography_from_naaccr,
)
from registry.models import ImportReview, Patient, Tumor
from registry.vocabularies import IMT_HISTOLOGY, Behavior, Race, VitalStatus

CHANGE_REASON = "NAACCR import"
GZIP_MAGIC = b"\x1f\x8b"
IMT = str(IMT_HISTOLOGY)

# Raw items kept on the review list, enough to create the case later.
PATIENT_ITEMS = (
    "patientIdNumber",
    "nameLast",
    "nameFirst",
    "sex",
    "race1",
    "spanishHispanicOrigin",
    "dateOfBirth",
    "vitalStatus",
    "dateOfLastContact",
)
TUMOR_ITEMS = (
    "tumorRecordNumber",
    "sequenceNumberCentral",
    "dateOfDiagnosis",
    "primarySite",
    "laterality",
    "histologicTypeIcdO3",
    "behaviorCodeIcdO3",
    "diagnosticConfirmation",
    "tumorSizeSummary",
    "rxSummSurgicalMargins",
)
# Margin codes that say nothing a dated surgery would hold: no surgery of the primary site.
NO_MARGIN = {"", "8"}
_CODE = re.compile(r"^[0-9A-Za-z]{1,4}$")


class NaaccrFileError(Exception):
    """The file cannot be read as NAACCR XML; nothing is written."""


# --- reading -------------------------------------------------------------------------------------------


@dataclass
class PatientRecord:
    ordinal: int
    items: dict[str, str]
    tumors: list[dict[str, str]]


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def open_naaccr(path) -> IO[bytes]:
    """The file as bytes, gunzipped when it starts with the gzip magic bytes."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except OSError as error:
        raise NaaccrFileError(f"The file cannot be opened ({error.strerror}).") from None
    if handle.peek(2)[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=handle)
    return handle


def _check_root(element: ET.Element) -> None:
    namespace, name = _local(element.tag)
    if name != "NaaccrData" or namespace != NAMESPACE:
        raise NaaccrFileError(
            f"The root element must be NaaccrData in the namespace {NAMESPACE}; found {name}."
        )
    version = element.get("specificationVersion", "")
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        raise NaaccrFileError(
            "NaaccrData: specificationVersion is missing or not a version number."
        ) from None
    if (major, minor) < (1, 0):
        raise NaaccrFileError("NaaccrData: specificationVersion must be 1.0 or later.")


def _check_placement(name: str, element: ET.Element, stack: list[str], ordinal: int) -> None:
    """Refuse a Patient outside NaaccrData, a Tumor outside a Patient, an Item without a naaccrId."""
    where = f"patient {ordinal + 1} in file order"
    if name == "Patient" and stack != ["NaaccrData"]:
        raise NaaccrFileError(f"Element Patient ({where}) must sit directly in NaaccrData.")
    if name == "Tumor" and stack[-1:] != ["Patient"]:
        raise NaaccrFileError(f"Element Tumor ({where}) must sit directly in a Patient.")
    if name == "Item" and not element.get("naaccrId"):
        raise NaaccrFileError(f"Element Item without a naaccrId ({where}).")


def read_patients(stream: IO[bytes]) -> Iterator[PatientRecord]:
    """Patients with their items and tumors' items, in file order; memory bounded by one patient."""
    stack: list[str] = []
    root = None
    patient: dict[str, str] | None = None
    tumors: list[dict[str, str]] = []
    tumor: dict[str, str] | None = None
    ordinal = 0
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            namespace, name = _local(element.tag)
            if event == "start":
                if root is None:
                    root = element
                    _check_root(element)
                elif namespace == NAMESPACE and not any(part == "*" for part in stack):
                    _check_placement(name, element, stack, ordinal)
                    if name == "Patient":
                        patient, tumors = {}, []
                    elif name == "Tumor":
                        tumor = {}
                # Elements of other namespaces (extensions) and everything inside them are ignored.
                stack.append(name if namespace == NAMESPACE else "*")
                continue
            stack.pop()
            if namespace != NAMESPACE or any(part == "*" for part in stack):
                continue
            if name == "Item":
                target = tumor if tumor is not None else patient
                if target is not None:
                    target[element.get("naaccrId")] = (element.text or "").strip()
            elif name == "Tumor":
                tumors.append(tumor)
                tumor = None
            elif name == "Patient":
                ordinal += 1
                yield PatientRecord(ordinal, patient, tumors)
                patient, tumors = None, []
                root.clear()  # drop the patient just read
    except ET.ParseError as error:
        line, column = error.position
        raise NaaccrFileError(f"Line {line}, column {column}: the file is not well-formed XML.") from None
    except (OSError, EOFError) as error:
        raise NaaccrFileError(f"The file cannot be read ({type(error).__name__}).") from None
    if root is None:
        raise NaaccrFileError("The file holds no NaaccrData element.")


# --- report --------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    patients_matched: int = 0  # already in the registry (updated or not)
    patients_created: int = 0
    patients_updated: int = 0
    tumors_matched: int = 0  # already in the registry: updated + unchanged
    tumors_created: int = 0
    tumors_updated: int = 0
    tumors_unchanged: int = 0
    review_added: int = 0
    review_already_listed: int = 0
    margins_not_recorded: int = 0
    not_imt: Counter = field(default_factory=Counter)  # reason -> tumors
    skipped: Counter = field(default_factory=Counter)  # reason -> tumors (IMT tumors refused)

    @property
    def imt_tumors(self) -> int:
        return self.tumors_created + self.tumors_matched

    @property
    def review_count(self) -> int:
        return self.review_added + self.review_already_listed

    def lines(self) -> list[str]:
        head = "Dry run, nothing written: " if self.dry_run else ""
        out = [
            (
                f"{head}{self.imt_tumors:,} IMT tumors matched, {self.tumors_created:,} new, "
                f"{self.tumors_updated:,} updated, {self.tumors_unchanged:,} unchanged, "
                f"{sum(self.not_imt.values()):,} skipped (not IMT)"
            ),
            (
                f"Patients: {self.patients_matched:,} matched ({self.patients_updated:,} updated), "
                f"{self.patients_created:,} new"
            ),
            f"Review list (8825/3): {self.review_count:,} ({self.review_added:,} new)",
        ]
        if self.skipped:
            out.append(f"Skipped IMT tumors: {sum(self.skipped.values()):,}")
            out += [f"  {count:,} {reason}" for reason, count in self.skipped.most_common()]
        if self.not_imt:
            out.append("Not IMT:")
            out += [f"  {count:,} {reason}" for reason, count in self.not_imt.most_common()]
        if self.margins_not_recorded:
            out.append(
                f"Surgical margins (NAACCR 1320) not recorded for {self.margins_not_recorded:,} tumors: "
                "the registry keeps margins on dated surgeries"
            )
        return out


# --- mapping -------------------------------------------------------------------------------------------


class _Refused(Exception):
    """A record that cannot be taken; the message names fields only."""


def _code(items: dict, naaccr_id: str) -> str:
    value = items.get(naaccr_id, "")
    if value and not _CODE.match(value):
        raise _Refused(f"{naaccr_id}: not a code")
    return value


def _int(items: dict, naaccr_id: str) -> int | None:
    value = _code(items, naaccr_id)
    if not value:
        return None
    if not value.isdigit():
        raise _Refused(f"{naaccr_id}: not a code")
    return int(value)


def _date(items: dict, naaccr_id: str):
    try:
        return parse_naaccr_date(items.get(naaccr_id))
    except ValueError:
        raise _Refused(f"{naaccr_id}: not a date (YYYYMMDD, YYYYMM or YYYY)") from None


def patient_values(items: dict) -> dict:
    """Model field values of the items the file gives (absent items are left out, never blanked)."""
    values: dict = {}
    if (sex := _int(items, "sex")) is not None:
        values["sex"] = sex
    if race := _code(items, "race1"):
        # A race code outside the registry's list is kept as unknown rather than refusing the case.
        values["race"] = race if race in Race.values else Race.UNKNOWN
    if origin := _code(items, "spanishHispanicOrigin"):
        values["hispanic_origin"] = origin
    if birth := _date(items, "dateOfBirth"):
        values["date_of_birth"], values["date_of_birth_precision"] = birth
    for naaccr_id, name in (("nameLast", "last_name"), ("nameFirst", "first_name")):
        if items.get(naaccr_id):
            values[name] = items[naaccr_id]
    contact = _date(items, "dateOfLastContact")
    if contact:
        values["date_of_last_contact"], values["date_of_last_contact_precision"] = contact
    if (vital := _int(items, "vitalStatus")) is not None:
        values["vital_status"] = vital
        # NAACCR 1750 is the date of death for a patient who has died.
        if vital == VitalStatus.DEAD and contact:
            values["date_of_death"], values["date_of_death_precision"] = contact
        elif vital == VitalStatus.ALIVE:
            values["date_of_death"] = None
    return values


def tumor_values(items: dict) -> dict:
    diagnosis = _date(items, "dateOfDiagnosis")
    if diagnosis is None:
        raise _Refused("dateOfDiagnosis: missing")
    site = _code(items, "primarySite")
    if not site:
        raise _Refused("primarySite: missing")
    values = {
        "histology": IMT_HISTOLOGY,
        "behavior": Behavior.UNCERTAIN,
        "date_of_diagnosis": diagnosis[0],
        "date_of_diagnosis_precision": diagnosis[1],
        "primary_site": topography_from_naaccr(site),
    }
    if (laterality := _int(items, "laterality")) is not None:
        values["laterality"] = laterality
    if (confirmation := _int(items, "diagnosticConfirmation")) is not None:
        values["basis_of_diagnosis"] = confirmation
    if sequence := _code(items, "sequenceNumberCentral"):
        values["sequence_number"] = sequence
    if "tumorSizeSummary" in items:
        try:
            values["size_mm"], values["size_code"] = size_from_naaccr(items["tumorSizeSummary"])
        except ValueError:
            raise _Refused("tumorSizeSummary: not a valid size code") from None
    return values


def _failed(error: ValidationError) -> str:
    fields = sorted(getattr(error, "message_dict", {}) or {"record": None})
    return "failed validation: " + ", ".join(fields)


def _changed(instance, values: dict) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def _save(instance, user) -> None:
    instance._history_user = user
    instance._change_reason = CHANGE_REASON
    instance.save()


# --- import --------------------------------------------------------------------------------------------


class _Discard(Exception):
    """Roll back a savepoint (a new patient none of whose tumors could be taken)."""


@dataclass
class NaaccrImporter:
    source: str
    user: object = None
    report: ImportReport = None

    def __post_init__(self) -> None:
        self.report = self.report or ImportReport(source=self.source)

    def patient(self, record: PatientRecord) -> None:
        report = self.report
        imt: list[dict] = []
        for items in record.tumors:
            histology, behavior = (
                _code_or_blank(items, "histologicTypeIcdO3"),
                _code_or_blank(items, "behaviorCodeIcdO3"),
            )
            if histology != IMT:
                report.not_imt[f"not IMT (histology {histology or 'missing'})"] += 1
            elif behavior == "3":
                self.review(record, items)
            elif behavior != "1":
                report.skipped[f"8825/{behavior or '?'}: only behavior /1 is taken (/3 is reviewed)"] += 1
            else:
                imt.append(items)
        if not imt:
            return
        if not record.items.get("patientIdNumber"):
            report.skipped["patientIdNumber: missing"] += len(imt)
            return
        try:
            with transaction.atomic():
                self._patient_and_tumors(record, imt)
        except _Discard:
            pass

    def _patient_and_tumors(self, record: PatientRecord, imt: list[dict]) -> None:
        report = self.report
        try:
            values = patient_values(record.items)
        except _Refused as refused:
            report.skipped[f"patient {refused}"] += len(imt)
            return
        patient = Patient.objects.filter(
            source_registry=self.source, source_patient_id=record.items["patientIdNumber"]
        ).first()
        created = patient is None
        if created:
            patient = Patient(source_registry=self.source, source_patient_id=record.items["patientIdNumber"])
        changed = created or _changed(patient, values)
        if changed:
            for name, value in values.items():
                setattr(patient, name, value)
            try:
                patient.full_clean(exclude=["registry_number"])
            except ValidationError as error:
                report.skipped[f"patient {_failed(error)}"] += len(imt)
                return
            _save(patient, self.user)
        kept = sum(self.tumor(patient, items) for items in imt)
        if created and not kept:
            raise _Discard
        if created:
            report.patients_created += 1
        else:
            report.patients_matched += 1
            report.patients_updated += int(changed)

    def tumor(self, patient: Patient, items: dict) -> bool:
        """Create, update or leave one 8825/1 tumor; False if it was skipped."""
        report = self.report
        number = _code_or_blank(items, "tumorRecordNumber")
        if not number:
            report.skipped["tumorRecordNumber: missing"] += 1
            return False
        try:
            values = tumor_values(items)
        except _Refused as refused:
            report.skipped[str(refused)] += 1
            return False
        tumor = (
            None
            if patient._state.adding
            else Tumor.objects.filter(patient=patient, source_tumor_record_number=number).first()
        )
        created = tumor is None
        if created:
            tumor = Tumor(patient=patient, source_tumor_record_number=number)
        elif not _changed(tumor, values):
            report.tumors_matched += 1
            report.tumors_unchanged += 1
            return True
        for name, value in values.items():
            setattr(tumor, name, value)
        try:
            tumor.full_clean(exclude=["tumor_record_number", "site_group"])
        except ValidationError as error:
            report.skipped[_failed(error)] += 1
            return False
        _save(tumor, self.user)
        if items.get("rxSummSurgicalMargins", "") not in NO_MARGIN:
            report.margins_not_recorded += 1
        if created:
            report.tumors_created += 1
        else:
            report.tumors_matched += 1
            report.tumors_updated += 1
        return True

    def review(self, record: PatientRecord, items: dict) -> None:
        patient_id = record.items.get("patientIdNumber", "")
        number = _code_or_blank(items, "tumorRecordNumber")
        if not patient_id or not number:
            self.report.skipped["8825/3 without patientIdNumber or tumorRecordNumber"] += 1
            return
        raw = {
            "patient": {key: record.items[key] for key in PATIENT_ITEMS if key in record.items},
            "tumor": {key: items[key] for key in TUMOR_ITEMS if key in items},
        }
        _, added = ImportReview.objects.get_or_create(
            source_registry=self.source,
            source_patient_id=patient_id,
            source_tumor_record_number=number,
            defaults={
                "reason": "8825/3: epithelioid IMT variant or myofibroblastic sarcoma; confirm before adding",
                "items": raw,
            },
        )
        if added:
            self.report.review_added += 1
        else:
            self.report.review_already_listed += 1


def _code_or_blank(items: dict, naaccr_id: str) -> str:
    """A code for a report line: a value that is not a short code is shown as 'invalid', never echoed."""
    value = items.get(naaccr_id, "")
    return value if not value or _CODE.match(value) else "invalid"


def naaccr_import(*, path, source: str, user=None, dry_run: bool = False) -> ImportReport:
    """Import one NAACCR XML file (plain or gzip) from `source`; one transaction, rolled back on a dry run
    or on a file error (NaaccrFileError)."""
    source = source.strip()
    if not source:
        raise NaaccrFileError("Give the source registry (--source).")
    importer = NaaccrImporter(source=source, user=user, report=ImportReport(source=source, dry_run=dry_run))
    with open_naaccr(path) as stream, transaction.atomic():
        for record in read_patients(stream):
            importer.patient(record)
        if dry_run:
            transaction.set_rollback(True)
    return importer.report
