"""Hard rules of the record (DESIGN section 5): each returns errors keyed by field, never echoing values.

Messages name the field and the rule, not the dates or names involved: no identifier reaches an error.
Rules that a database constraint can also enforce are backed by one in `registry.models`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.coding import is_valid_topography, normalize_topography
from registry.dates import PartialDate, is_before
from registry.vocabularies import (
    IMT_HISTOLOGY,
    Behavior,
    ImagingPurpose,
    Margin,
    MetastaticSite,
    SizeCode,
    SurgeryExtent,
    TestMethod,
    VitalStatus,
)

PRE_DIAGNOSIS_WINDOW_DAYS = 180

Errors = dict[str, list[str]]


def raise_errors(errors: Errors) -> None:
    if errors:
        raise ValidationError({field: messages for field, messages in errors.items()})


def today() -> dt.date:
    return timezone.localdate()


def _not_in_future(errors: Errors, field: str, value: dt.date | None, label: str) -> None:
    if value is not None and value > today():
        errors[field].append(f"{label} cannot be in the future.")


def _partial(value, precision) -> PartialDate | None:
    return PartialDate.of(value, precision)


def _death_check(errors: Errors, field: str, when: PartialDate | None, patient, label: str) -> None:
    if patient is None or when is None:
        return
    if is_before(patient.death, when):
        errors[field].append(f"{label} cannot be after the patient's date of death.")


def _tumor_of(record):
    return getattr(record, "tumor", None) if getattr(record, "tumor_id", None) else None


def patient_errors(patient) -> Errors:
    errors: Errors = defaultdict(list)
    has_mrn = bool(patient.medical_record_number)
    has_source = bool(patient.source_registry and patient.source_patient_id)
    if not has_mrn and not has_source:
        errors["medical_record_number"].append(
            "Give the institution and medical record number, or the source registry and its patient ID."
        )
    if has_mrn and not patient.institution_id:
        errors["institution"].append("An MRN needs the institution that issued it.")
    if bool(patient.source_registry) != bool(patient.source_patient_id):
        field = "source_patient_id" if patient.source_registry else "source_registry"
        errors[field].append("Source registry and source patient ID go together.")
    _not_in_future(errors, "date_of_birth", patient.date_of_birth, "Date of birth")
    _not_in_future(errors, "date_of_death", patient.date_of_death, "Date of death")
    _not_in_future(errors, "date_of_last_contact", patient.date_of_last_contact, "Date of last contact")
    birth = _partial(patient.date_of_birth, patient.date_of_birth_precision)
    death = _partial(patient.date_of_death, patient.date_of_death_precision)
    contact = _partial(patient.date_of_last_contact, patient.date_of_last_contact_precision)
    if is_before(death, birth):
        errors["date_of_death"].append("Date of death must be on or after the date of birth.")
    if is_before(contact, birth):
        errors["date_of_last_contact"].append("Date of last contact must be on or after the date of birth.")
    if is_before(death, contact):
        errors["date_of_last_contact"].append("Date of last contact cannot be after the date of death.")
    if patient.date_of_death and patient.vital_status != VitalStatus.DEAD:
        errors["vital_status"].append("A patient with a date of death must have vital status 'dead'.")
    if patient.cause_of_death and patient.vital_status != VitalStatus.DEAD:
        errors["cause_of_death"].append("Cause of death is only recorded for a patient who has died.")
    if patient.pk and death is not None:
        _death_after_records(errors, patient, death)
    return errors


def _death_after_records(errors: Errors, patient, death: PartialDate) -> None:
    """Death on or after every other date of the patient's record."""
    from registry.selectors import patient_record_dates

    for label, when in patient_record_dates(patient.pk):
        if is_before(death, when):
            errors["date_of_death"].append(
                f"Date of death must be on or after every recorded date ({label})."
            )
            return


def tumor_errors(tumor) -> Errors:
    errors: Errors = defaultdict(list)
    if tumor.primary_site:
        code = normalize_topography(tumor.primary_site)
        if not is_valid_topography(code):
            errors["primary_site"].append(
                "Not a valid ICD-O-3 topography code (C00.0-C80.9, for example C48.1)."
            )
    if tumor.histology != IMT_HISTOLOGY:
        errors["histology"].append("Histology must be 8825 (inflammatory myofibroblastic tumor).")
    if tumor.behavior not in Behavior.values:
        errors["behavior"].append("Behavior must be /1 (conventional IMT) or /3 (epithelioid variant).")
    if tumor.size_mm is not None and tumor.size_code is not None:
        errors["size_code"].append("Give the size in mm or a descriptive code, not both.")
    if tumor.size_mm is not None and not 1 <= tumor.size_mm <= 989:
        errors["size_mm"].append("Size must be between 1 and 989 mm; use a descriptive code otherwise.")
    if tumor.size_code is not None and tumor.size_code not in SizeCode.values:
        errors["size_code"].append("Not a valid NAACCR descriptive size code.")
    _not_in_future(errors, "date_of_diagnosis", tumor.date_of_diagnosis, "Date of diagnosis")
    patient = tumor.patient if tumor.patient_id else None
    diagnosis = _partial(tumor.date_of_diagnosis, tumor.date_of_diagnosis_precision)
    if patient is not None and is_before(diagnosis, patient.birth):
        errors["date_of_diagnosis"].append("Date of diagnosis must be on or after the date of birth.")
    _death_check(errors, "date_of_diagnosis", diagnosis, patient, "Date of diagnosis")
    return errors


def _after_diagnosis(
    errors: Errors, record, field: str, when: PartialDate | None, label: str, *, allowed_days_before: int = 0
) -> None:
    tumor = _tumor_of(record)
    if tumor is None or when is None:
        return
    if is_before(when, tumor.diagnosis, days=allowed_days_before):
        if allowed_days_before:
            errors[field].append(
                f"{label} can be at most {allowed_days_before} days before the date of diagnosis."
            )
        else:
            errors[field].append(f"{label} must be on or after the date of diagnosis.")
    _death_check(errors, field, when, tumor.patient, label)


def surgery_errors(surgery) -> Errors:
    errors: Errors = defaultdict(list)
    _not_in_future(errors, "date", surgery.date, "Surgery date")
    _after_diagnosis(errors, surgery, "date", _partial(surgery.date, surgery.date_precision), "Surgery date")
    if surgery.extent == SurgeryExtent.BIOPSY and surgery.margin:
        errors["margin"].append("A biopsy has no resection margin; leave it empty.")
    if surgery.extent and surgery.extent != SurgeryExtent.BIOPSY and surgery.margin not in Margin.values:
        errors["margin"].append(
            "Give the residual tumor classification (R0, R1, R2 or RX) for every resection."
        )
    return errors


def molecular_test_errors(test) -> Errors:
    errors: Errors = defaultdict(list)
    _not_in_future(errors, "specimen_date", test.specimen_date, "Specimen date")
    _after_diagnosis(
        errors,
        test,
        "specimen_date",
        _partial(test.specimen_date, test.specimen_date_precision),
        "Specimen date",
        allowed_days_before=PRE_DIAGNOSIS_WINDOW_DAYS,
    )
    counted, rearranged = test.nuclei_counted, test.nuclei_rearranged
    if counted is not None and rearranged is not None and rearranged > counted:
        errors["nuclei_rearranged"].append("Nuclei rearranged cannot exceed nuclei counted.")
    if counted is not None and counted == 0:
        errors["nuclei_counted"].append("Nuclei counted must be at least 1.")
    if (counted is not None or rearranged is not None) and test.method != TestMethod.FISH:
        field = "nuclei_counted" if counted is not None else "nuclei_rearranged"
        errors[field].append("Nuclei counts apply to FISH only.")
    if (rearranged is None) != (counted is None) and test.method == TestMethod.FISH:
        field = "nuclei_counted" if counted is None else "nuclei_rearranged"
        errors[field].append("Give both nuclei counted and nuclei rearranged, or neither.")
    if test.ihc_clone and test.method not in (TestMethod.IHC, TestMethod.PAN_TRK_IHC):
        errors["ihc_clone"].append("An antibody clone applies to immunohistochemistry only.")
    return errors


def treatment_errors(treatment) -> Errors:
    errors: Errors = defaultdict(list)
    _not_in_future(errors, "start_date", treatment.start_date, "Start date")
    _not_in_future(errors, "end_date", treatment.end_date, "End date")
    start = _partial(treatment.start_date, treatment.start_date_precision)
    end = _partial(treatment.end_date, treatment.end_date_precision)
    _after_diagnosis(
        errors,
        treatment,
        "start_date",
        start,
        "Treatment start",
        allowed_days_before=PRE_DIAGNOSIS_WINDOW_DAYS,
    )
    if end is not None:
        _death_check(
            errors, "end_date", end, _tumor_of(treatment) and treatment.tumor.patient, "Treatment end"
        )
    if is_before(end, start):
        errors["end_date"].append("End date must be on or after the start date.")
    if treatment.end_reason and not treatment.end_date:
        errors["end_date"].append("Give the end date when an end reason is recorded.")
    return errors


def imaging_errors(study) -> Errors:
    errors: Errors = defaultdict(list)
    _not_in_future(errors, "date", study.date, "Imaging date")
    when = _partial(study.date, study.date_precision)
    if study.purpose == ImagingPurpose.STAGING:
        _after_diagnosis(
            errors, study, "date", when, "Staging imaging", allowed_days_before=PRE_DIAGNOSIS_WINDOW_DAYS
        )
    else:
        _after_diagnosis(errors, study, "date", when, "Surveillance or response imaging")
    return errors


def event_errors(event) -> Errors:
    errors: Errors = defaultdict(list)
    _not_in_future(errors, "date", event.date, "Event date")
    _after_diagnosis(errors, event, "date", _partial(event.date, event.date_precision), "Event date")
    sites = event.metastatic_sites or []
    if not isinstance(sites, list) or any(site not in MetastaticSite.values for site in sites):
        errors["metastatic_sites"].append(
            "Metastatic sites must be a list of codes: " + ", ".join(MetastaticSite.values) + "."
        )
    if event.source_imaging_id and event.tumor_id and event.source_imaging.tumor_id != event.tumor_id:
        errors["source_imaging"].append("The source imaging study belongs to another tumor.")
    return errors


def presentation_errors(presentation) -> Errors:
    errors: Errors = defaultdict(list)
    if presentation.crp_mg_l is not None and presentation.crp_mg_l < 0:
        errors["crp_mg_l"].append("CRP cannot be negative.")
    if presentation.hemoglobin_g_dl is not None and not 0 < presentation.hemoglobin_g_dl < 30:
        errors["hemoglobin_g_dl"].append("Hemoglobin must be between 0 and 30 g/dL.")
    return errors
