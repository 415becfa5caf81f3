"""Analysis rows: origin, time and status for each endpoint of hand-built patients."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes.analysis import CENSORED, COMPETING, EVENT, analysis_rows
from registry.vocabularies import ConsentStatus, DatePrecision, VitalStatus
from tests.factories import (
    DiseaseEventFactory,
    ImagingStudyFactory,
    PatientFactory,
    SurgeryFactory,
    TumorFactory,
)

pytestmark = pytest.mark.django_db
CUT_OFF = dt.date(2024, 12, 31)


def _row(tumor, cut_off=CUT_OFF):
    rows = [r for r in analysis_rows(cut_off=cut_off) if r.tumor_id == tumor.pk]
    return rows[0] if rows else None


def test_recurrence_after_r1_resection_counts_from_the_definitive_resection():
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 10))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), extent="incomplete", margin="R2")
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 4, 1), extent="complete", margin="R1")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2020, 7, 1), result="ned")
    DiseaseEventFactory(tumor=tumor, date=dt.date(2021, 4, 1), event_type="local_recurrence")

    row = _row(tumor)
    assert row.definitive_resection_date == dt.date(2020, 4, 1)
    assert row.definitive_margin == "R1" and row.first_resection_margin == "R2"
    assert (row.recurrence_time, row.recurrence_status) == (
        (dt.date(2021, 4, 1) - dt.date(2020, 4, 1)).days,
        EVENT,
    )
    assert row.local_recurrence_status == EVENT
    # Metastasis counts from diagnosis; a local recurrence is neither its event nor its competing event.
    assert row.metastasis_status == CENSORED
    assert row.metastasis_time == (dt.date(2021, 4, 1) - dt.date(2020, 3, 10)).days
    assert row.event_free_survival_status == EVENT


def test_death_without_recurrence_is_a_competing_event():
    patient = PatientFactory(
        vital_status=VitalStatus.DEAD,
        date_of_death=dt.date(2022, 2, 1),
        date_of_last_contact=dt.date(2022, 2, 1),
        cause_of_death="other",
    )
    tumor = TumorFactory(patient=patient, date_of_diagnosis=dt.date(2020, 3, 10))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), margin="R0")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2021, 3, 1), result="ned")

    row = _row(tumor)
    assert row.recurrence_status == COMPETING
    assert row.recurrence_time == (dt.date(2022, 2, 1) - dt.date(2020, 3, 20)).days
    assert row.overall_survival_status == EVENT
    assert row.event_free_survival_status == EVENT


def test_censoring_is_at_the_last_disease_assessment_not_the_last_contact():
    patient = PatientFactory(date_of_last_contact=dt.date(2024, 6, 1))
    tumor = TumorFactory(patient=patient, date_of_diagnosis=dt.date(2020, 3, 10))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), margin="R0")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2022, 9, 1), result="ned")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2023, 1, 1), result="")  # no result: not an assessment

    row = _row(tumor)
    assert row.last_disease_assessment == dt.date(2022, 9, 1)
    assert (row.recurrence_time, row.recurrence_status) == (
        (dt.date(2022, 9, 1) - dt.date(2020, 3, 20)).days,
        CENSORED,
    )
    assert row.last_contact == dt.date(2024, 6, 1)
    assert (row.overall_survival_time, row.overall_survival_status) == (
        (dt.date(2024, 6, 1) - dt.date(2020, 3, 10)).days,
        CENSORED,
    )


def test_partial_dates_are_imputed_mid_month_and_mid_year_never_before_diagnosis():
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 20))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 1), date_precision=DatePrecision.MONTH, margin="R0")
    DiseaseEventFactory(tumor=tumor, date=dt.date(2022, 1, 1), date_precision=DatePrecision.YEAR)

    row = _row(tumor)
    # March 2020 would impute to March 15, before the known diagnosis date: it takes the diagnosis date.
    assert row.definitive_resection_date == dt.date(2020, 3, 20)
    assert row.recurrence_time == (dt.date(2022, 7, 1) - dt.date(2020, 3, 20)).days


def test_nothing_dated_after_the_cut_off_counts():
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 10))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), margin="R0")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2021, 1, 5), result="ned")
    DiseaseEventFactory(tumor=tumor, date=dt.date(2023, 5, 1), event_type="distant_metastasis")
    late = TumorFactory(date_of_diagnosis=dt.date(2022, 6, 1))

    row = _row(tumor, cut_off=dt.date(2022, 12, 31))
    assert row.recurrence_status == CENSORED and row.metastasis_status == CENSORED
    assert row.last_disease_assessment == dt.date(2021, 1, 5)
    assert row.recurrence_potential_time == (dt.date(2022, 12, 31) - dt.date(2020, 3, 20)).days
    assert _row(late, cut_off=dt.date(2021, 12, 31)) is None
    assert _row(tumor, cut_off=CUT_OFF).metastasis_status == EVENT


def test_metastatic_at_diagnosis_is_not_at_risk_for_recurrence_or_metastasis():
    tumor = TumorFactory(metastatic_at_diagnosis=True)
    SurgeryFactory(tumor=tumor, margin="R0")
    row = _row(tumor)
    assert row.recurrence_status is None and row.metastasis_status is None
    assert row.overall_survival_status == CENSORED


def test_only_the_first_tumor_of_a_patient_enters_survival_endpoints():
    patient = PatientFactory()
    first = TumorFactory(patient=patient, date_of_diagnosis=dt.date(2019, 1, 10))
    second = TumorFactory(patient=patient, date_of_diagnosis=dt.date(2021, 1, 10), primary_site="C34.1")
    assert _row(first).overall_survival_status is not None
    assert _row(second).overall_survival_status is None
    assert _row(second).site_group == "lung_thorax"


def test_withdrawn_consent_is_excluded():
    tumor = TumorFactory(patient=PatientFactory(consent_status=ConsentStatus.WITHDRAWN))
    assert _row(tumor) is None


def _make_cohort(n):
    for _ in range(n):
        tumor = TumorFactory()
        SurgeryFactory(tumor=tumor)
        ImagingStudyFactory(tumor=tumor)
        DiseaseEventFactory(tumor=tumor)


def test_query_count_is_the_same_for_n_and_10n_tumors():
    _make_cohort(2)
    with CaptureQueriesContext(connection) as small:
        assert len(list(analysis_rows(cut_off=CUT_OFF))) == 2
    _make_cohort(18)
    with CaptureQueriesContext(connection) as large:
        assert len(list(analysis_rows(cut_off=CUT_OFF))) == 20
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_partial_date_imputed_past_the_cut_off_does_not_count():
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 10))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), margin="R0")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2021, 1, 5), result="ned")
    # "June 2022" imputes to June 15, after a cut-off of June 10.
    DiseaseEventFactory(tumor=tumor, date=dt.date(2022, 6, 1), date_precision=DatePrecision.MONTH)
    row = _row(tumor, cut_off=dt.date(2022, 6, 10))
    assert row.recurrence_status == CENSORED
    assert _row(tumor, cut_off=dt.date(2022, 6, 20)).recurrence_status == EVENT


def test_potential_follow_up_ends_at_the_event_for_rows_that_had_one():
    tumor = TumorFactory(date_of_diagnosis=dt.date(2020, 3, 10))
    SurgeryFactory(tumor=tumor, date=dt.date(2020, 3, 20), margin="R1")
    DiseaseEventFactory(tumor=tumor, date=dt.date(2021, 4, 1), event_type="local_recurrence")
    row = _row(tumor)
    assert row.recurrence_status == EVENT and row.recurrence_potential_time == row.recurrence_time
    assert row.metastasis_status == CENSORED
    assert row.metastasis_potential_time == (CUT_OFF - dt.date(2020, 3, 10)).days
