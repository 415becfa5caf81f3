"""The soft rules of DESIGN section 5, evaluated for a batch of patients in a fixed number of queries.

`expected_findings()` loads the batch's record with one query per table and returns the findings that
should exist now. Details name the rule and the kind of record, never a name, number or date.

Matching rule for "imaging suggests an event not recorded": an imaging study whose result maps to an
event type (registry.vocabularies.IMAGING_RESULT_EVENT) counts as recorded when the same tumor has a
disease event that either names the study as its source imaging (whatever its type: the registrar has
judged that study), or has the matching type and a date within 60 days either side of the study
(imputed dates), as reports often date the event from a later confirmatory scan or biopsy.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from registry import derived
from registry.dates import impute
from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Tumor
from registry.quality.models import Finding, Rule
from registry.vocabularies import (
    IMAGING_RESULT_EVENT,
    METHODS_WITHOUT_PARTNER,
    Behavior,
    ConsentStatus,
    FollowUpStatus,
    Gene,
    TestMethod,
    TestResult,
    Variant,
    VitalStatus,
)

EVENT_MATCH_WINDOW_DAYS = 60
ASSESSMENT_OVERDUE_MONTHS = 13
SIZE_LIMIT_MM = 300
AGE_LIMIT_YEARS = 90


@dataclass(frozen=True)
class ExpectedFinding:
    rule: str
    patient_id: int
    detail: str
    tumor_id: int | None = None
    imaging_study_id: int | None = None
    molecular_test_id: int | None = None

    @property
    def key(self) -> str:
        return Finding.key_for(
            self.rule, self.patient_id, self.tumor_id, self.imaging_study_id, self.molecular_test_id
        )


def months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def under_surveillance(patient: Patient) -> bool:
    """Active, alive and consenting (consent or waiver): the patients who should be followed."""
    return (
        patient.follow_up_status == FollowUpStatus.ACTIVE
        and patient.vital_status == VitalStatus.ALIVE
        and patient.consent_status != ConsentStatus.WITHDRAWN
    )


def expected_findings(patient_ids: list[int], *, as_of: dt.date) -> list[ExpectedFinding]:
    """Findings that should exist for these patients as of `as_of` (five queries)."""
    patients = {
        p.pk: p
        for p in Patient.objects.filter(pk__in=patient_ids).only(
            "id",
            "date_of_birth",
            "date_of_birth_precision",
            "vital_status",
            "follow_up_status",
            "consent_status",
            "coordinator_id",
        )
    }
    tumors = list(
        Tumor.objects.filter(patient_id__in=patient_ids).only(
            "id",
            "patient_id",
            "date_of_diagnosis",
            "date_of_diagnosis_precision",
            "size_mm",
            "behavior",
            "variant",
            "last_disease_assessment",
        )
    )
    tumor_patient = {t.pk: t.patient_id for t in tumors}
    tests = list(
        MolecularTest.objects.filter(tumor__patient_id__in=patient_ids).only(
            "id",
            "tumor_id",
            "gene",
            "method",
            "result",
            "nuclei_counted",
            "nuclei_rearranged",
            "fusion_partner",
        )
    )
    studies = list(
        ImagingStudy.objects.filter(
            tumor__patient_id__in=patient_ids, result__in=list(IMAGING_RESULT_EVENT)
        ).only("id", "tumor_id", "date", "date_precision", "result")
    )
    events = defaultdict(list)
    for tumor_id, event_type, date, precision, source_id in DiseaseEvent.objects.filter(
        tumor__patient_id__in=patient_ids
    ).values_list("tumor_id", "event_type", "date", "date_precision", "source_imaging_id"):
        events[tumor_id].append((event_type, impute(date, precision), source_id))

    found: list[ExpectedFinding] = []
    for patient in patients.values():
        if patient.coordinator_id is None and under_surveillance(patient):
            found.append(
                ExpectedFinding(
                    Rule.NO_COORDINATOR, patient.pk, "Patient under follow-up has no assigned coordinator."
                )
            )
    overdue_before = months_before(as_of, ASSESSMENT_OVERDUE_MONTHS)
    for tumor in tumors:
        patient = patients[tumor.patient_id]
        found.extend(_tumor_findings(tumor, patient, overdue_before))
    found.extend(_test_findings(tests, tumor_patient))
    for study in studies:
        if not _event_recorded(study, events[study.tumor_id]):
            found.append(
                ExpectedFinding(
                    Rule.IMAGING_EVENT_NOT_RECORDED,
                    tumor_patient[study.tumor_id],
                    f"Imaging result '{study.get_result_display()}' has no "
                    f"'{IMAGING_RESULT_EVENT[study.result].label}' event recorded within "
                    f"{EVENT_MATCH_WINDOW_DAYS} days.",
                    tumor_id=study.tumor_id,
                    imaging_study_id=study.pk,
                )
            )
    return found


def _tumor_findings(tumor: Tumor, patient: Patient, overdue_before: dt.date) -> list[ExpectedFinding]:
    found = []

    def add(rule: str, detail: str) -> None:
        found.append(ExpectedFinding(rule, patient.pk, detail, tumor_id=tumor.pk))

    if tumor.size_mm is not None and tumor.size_mm > SIZE_LIMIT_MM:
        add(Rule.SIZE_OVER_300_MM, f"Largest dimension over {SIZE_LIMIT_MM} mm: check the unit.")
    if tumor.behavior == Behavior.MALIGNANT and tumor.variant != Variant.EPITHELIOID:
        add(
            Rule.MALIGNANT_NOT_EPITHELIOID,
            "Behavior /3 is only for the epithelioid variant: confirm the variant or the behavior.",
        )
    birth = impute(patient.date_of_birth, patient.date_of_birth_precision)
    if birth is not None:
        age = (impute(tumor.date_of_diagnosis, tumor.date_of_diagnosis_precision) - birth).days / 365.25
        if age > AGE_LIMIT_YEARS:
            add(Rule.AGE_OVER_90, f"Age at diagnosis over {AGE_LIMIT_YEARS} years: check the birth date.")
    if under_surveillance(patient):
        # No assessment yet: the clock runs from diagnosis.
        reference = tumor.last_disease_assessment or impute(
            tumor.date_of_diagnosis, tumor.date_of_diagnosis_precision
        )
        if reference < overdue_before:
            add(
                Rule.NO_RECENT_ASSESSMENT,
                f"No imaging result or disease event in over {ASSESSMENT_OVERDUE_MONTHS} months.",
            )
    return found


def _test_findings(tests: list[MolecularTest], tumor_patient: dict[int, int]) -> list[ExpectedFinding]:
    found = []
    alk_results = defaultdict(lambda: defaultdict(set))
    for test in tests:
        patient_id = tumor_patient[test.tumor_id]
        if test.fusion_partner and test.method in METHODS_WITHOUT_PARTNER:
            found.append(
                ExpectedFinding(
                    Rule.PARTNER_FROM_METHOD_WITHOUT_PARTNER,
                    patient_id,
                    f"{test.get_method_display()} cannot name a fusion partner; the partner needs RT-PCR or NGS.",
                    tumor_id=test.tumor_id,
                    molecular_test_id=test.pk,
                )
            )
        if test.method == TestMethod.FISH and derived.fish_needs_more_nuclei(
            test.nuclei_counted, test.nuclei_rearranged
        ):
            found.append(
                ExpectedFinding(
                    Rule.FISH_NEEDS_MORE_NUCLEI,
                    patient_id,
                    f"Rearranged rate between 10% and 50% on fewer than {derived.FISH_RECOUNT_NUCLEI} nuclei: "
                    f"{derived.FISH_RECOUNT_NUCLEI} should be counted.",
                    tumor_id=test.tumor_id,
                    molecular_test_id=test.pk,
                )
            )
        if (
            test.gene == Gene.ALK
            and test.method in (TestMethod.IHC, TestMethod.FISH)
            and test.result in (TestResult.POSITIVE, TestResult.NEGATIVE)
        ):
            alk_results[test.tumor_id][test.method].add(test.result)
    for tumor_id, by_method in alk_results.items():
        ihc, fish = by_method.get(TestMethod.IHC, set()), by_method.get(TestMethod.FISH, set())
        positive, negative = TestResult.POSITIVE, TestResult.NEGATIVE
        if (positive in ihc and negative in fish) or (negative in ihc and positive in fish):
            found.append(
                ExpectedFinding(
                    Rule.ALK_IHC_FISH_DISAGREE,
                    tumor_patient[tumor_id],
                    "ALK immunohistochemistry and FISH give opposite results.",
                    tumor_id=tumor_id,
                )
            )
    return found


def _event_recorded(study: ImagingStudy, tumor_events: list[tuple[str, dt.date, int | None]]) -> bool:
    expected_type = IMAGING_RESULT_EVENT[study.result]
    study_date = impute(study.date, study.date_precision)
    for event_type, event_date, source_id in tumor_events:
        if source_id == study.pk:
            return True
        if event_type == expected_type and abs((event_date - study_date).days) <= EVENT_MATCH_WINDOW_DAYS:
            return True
    return False
