"""Each soft rule of DESIGN section 5 opens its finding when its condition appears and resolves it when
the condition is corrected."""

import datetime as dt

import pytest

from registry.models import MolecularTest, Patient, Tumor
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.services import findings_refresh
from registry.vocabularies import Behavior, ConsentStatus, Variant
from tests.factories import (
    DiseaseEventFactory,
    ImagingStudyFactory,
    MolecularTestFactory,
    PatientFactory,
    TumorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 1, 1)


def _states(patient, rule):
    findings_refresh(patient_ids=[patient.pk], as_of=AS_OF)
    return list(Finding.objects.filter(patient=patient, rule=rule).values_list("state", flat=True))


@pytest.fixture
def tumor(db):
    coordinator = UserFactory(username="coord")
    # Recent imaging keeps the 13-month rule quiet for the rules under test.
    tumor = TumorFactory(patient=PatientFactory(coordinator=coordinator))
    ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 12, 1))
    Tumor.objects.filter(pk=tumor.pk).update(last_disease_assessment=dt.date(2020, 12, 1))
    return Tumor.objects.get(pk=tumor.pk)


def test_a_clean_case_has_no_findings(tumor):
    findings_refresh(patient_ids=[tumor.patient_id], as_of=AS_OF)
    assert not Finding.objects.exists()


def test_size_over_300_mm_raises_and_clears(tumor):
    Tumor.objects.filter(pk=tumor.pk).update(size_mm=350)
    assert _states(tumor.patient, Rule.SIZE_OVER_300_MM) == [FindingState.OPEN]
    Tumor.objects.filter(pk=tumor.pk).update(size_mm=35)
    assert _states(tumor.patient, Rule.SIZE_OVER_300_MM) == [FindingState.RESOLVED]


def test_age_at_diagnosis_over_90_raises_and_clears(tumor):
    Patient.objects.filter(pk=tumor.patient_id).update(date_of_birth=dt.date(1925, 1, 1))
    assert _states(tumor.patient, Rule.AGE_OVER_90) == [FindingState.OPEN]
    Patient.objects.filter(pk=tumor.patient_id).update(date_of_birth=dt.date(1955, 1, 1))
    assert _states(tumor.patient, Rule.AGE_OVER_90) == [FindingState.RESOLVED]


def test_behavior_3_not_marked_epithelioid_raises_and_clears(tumor):
    Tumor.objects.filter(pk=tumor.pk).update(behavior=Behavior.MALIGNANT)
    assert _states(tumor.patient, Rule.MALIGNANT_NOT_EPITHELIOID) == [FindingState.OPEN]
    Tumor.objects.filter(pk=tumor.pk).update(variant=Variant.EPITHELIOID)
    assert _states(tumor.patient, Rule.MALIGNANT_NOT_EPITHELIOID) == [FindingState.RESOLVED]


def test_no_coordinator_raises_for_a_followed_patient_and_clears_when_assigned(tumor):
    Patient.objects.filter(pk=tumor.patient_id).update(coordinator=None)
    assert _states(tumor.patient, Rule.NO_COORDINATOR) == [FindingState.OPEN]
    Patient.objects.filter(pk=tumor.patient_id).update(coordinator=UserFactory(username="other"))
    assert _states(tumor.patient, Rule.NO_COORDINATOR) == [FindingState.RESOLVED]


def test_no_coordinator_is_not_raised_once_consent_is_withdrawn(tumor):
    Patient.objects.filter(pk=tumor.patient_id).update(
        coordinator=None, consent_status=ConsentStatus.WITHDRAWN
    )
    assert _states(tumor.patient, Rule.NO_COORDINATOR) == []


def test_no_assessment_in_13_months_raises_and_clears_with_new_imaging(tumor):
    Tumor.objects.filter(pk=tumor.pk).update(last_disease_assessment=dt.date(2019, 11, 30))
    assert _states(tumor.patient, Rule.NO_RECENT_ASSESSMENT) == [FindingState.OPEN]
    Tumor.objects.filter(pk=tumor.pk).update(last_disease_assessment=dt.date(2019, 12, 2))
    assert _states(tumor.patient, Rule.NO_RECENT_ASSESSMENT) == [FindingState.RESOLVED]


def test_no_assessment_counts_from_diagnosis_when_nothing_was_ever_assessed(db):
    tumor = TumorFactory(
        patient=PatientFactory(coordinator=UserFactory(username="c2")), date_of_diagnosis=dt.date(2019, 6, 1)
    )
    assert _states(tumor.patient, Rule.NO_RECENT_ASSESSMENT) == [FindingState.OPEN]


def test_alk_ihc_and_fish_disagreeing_raises_and_clears(tumor):
    MolecularTestFactory(tumor=tumor, method="ihc", result="positive")
    fish = MolecularTestFactory(
        tumor=tumor, method="fish", result="negative", nuclei_counted=100, nuclei_rearranged=2
    )
    assert _states(tumor.patient, Rule.ALK_IHC_FISH_DISAGREE) == [FindingState.OPEN]
    MolecularTest.objects.filter(pk=fish.pk).update(result="positive", nuclei_rearranged=40)
    assert _states(tumor.patient, Rule.ALK_IHC_FISH_DISAGREE) == [FindingState.RESOLVED]


def test_fusion_partner_from_ihc_raises_and_clears(tumor):
    test = MolecularTestFactory(tumor=tumor, method="ihc", fusion_partner="TPM3")
    assert _states(tumor.patient, Rule.PARTNER_FROM_METHOD_WITHOUT_PARTNER) == [FindingState.OPEN]
    MolecularTest.objects.filter(pk=test.pk).update(fusion_partner="")
    assert _states(tumor.patient, Rule.PARTNER_FROM_METHOD_WITHOUT_PARTNER) == [FindingState.RESOLVED]


def test_fish_rate_needing_more_nuclei_raises_and_clears_when_recounted(tumor):
    test = MolecularTestFactory(tumor=tumor, method="fish", nuclei_counted=60, nuclei_rearranged=12)
    assert _states(tumor.patient, Rule.FISH_NEEDS_MORE_NUCLEI) == [FindingState.OPEN]
    MolecularTest.objects.filter(pk=test.pk).update(nuclei_counted=100, nuclei_rearranged=20)
    assert _states(tumor.patient, Rule.FISH_NEEDS_MORE_NUCLEI) == [FindingState.RESOLVED]


def test_imaging_recurrence_without_event_raises_and_clears_when_the_event_is_recorded(tumor):
    ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 11, 1), result="local_recurrence")
    assert _states(tumor.patient, Rule.IMAGING_EVENT_NOT_RECORDED) == [FindingState.OPEN]
    DiseaseEventFactory(tumor=tumor, event_type="local_recurrence", date=dt.date(2020, 12, 20))
    assert _states(tumor.patient, Rule.IMAGING_EVENT_NOT_RECORDED) == [FindingState.RESOLVED]


def test_an_event_of_another_type_or_far_away_does_not_record_the_imaging_result(tumor):
    ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 11, 1), result="distant_metastasis")
    DiseaseEventFactory(tumor=tumor, event_type="local_recurrence", date=dt.date(2020, 11, 1))
    DiseaseEventFactory(tumor=tumor, event_type="distant_metastasis", date=dt.date(2020, 6, 1))
    assert _states(tumor.patient, Rule.IMAGING_EVENT_NOT_RECORDED) == [FindingState.OPEN]


def test_finding_details_carry_no_identifiers(tumor):
    Patient.objects.filter(pk=tumor.patient_id).update(date_of_birth=dt.date(1925, 1, 1), last_name="Zyxw")
    Tumor.objects.filter(pk=tumor.pk).update(size_mm=350)
    findings_refresh(patient_ids=[tumor.patient_id], as_of=AS_OF)
    details = " ".join(Finding.objects.values_list("detail", flat=True))
    assert "Zyxw" not in details and "1925" not in details and "MRN" not in details
