"""Derived values: site group, gene status, FISH, definitive resection, follow-up dates, imputed dates."""

import datetime as dt

import pytest

from registry import derived
from registry.coding import site_group_for
from registry.dates import PartialDate, impute
from registry.derived import SurgeryFacts, TestOutcome
from registry.vocabularies import DatePrecision, FusionStatus, GeneStatus
from tests.factories import (
    DiseaseEventFactory,
    ImagingStudyFactory,
    MolecularTestFactory,
    PatientFactory,
    SurgeryFactory,
    TumorFactory,
)


@pytest.mark.parametrize(
    "code, group",
    [
        ("C48.1", "abdomen_pelvis"),
        ("C34.1", "lung_thorax"),
        ("C41.0", "head_neck"),
        ("C41.2", "trunk_extremities"),
        ("C44.3", "head_neck"),
        ("C44.5", "trunk_extremities"),
        ("C49.0", "head_neck"),
        ("C49.4", "abdomen_pelvis"),
        ("C67.9", "genitourinary"),
        ("C42.2", "abdomen_pelvis"),
        ("C42.0", "other"),
        ("C71.9", "other"),
        ("C76.1", "lung_thorax"),
        ("C76.4", "trunk_extremities"),
        ("C73.9", "head_neck"),
        ("C50.9", "trunk_extremities"),
    ],
)
def test_site_group_follows_the_design_table(code, group):
    assert site_group_for(code) == group


def outcomes(*triples):
    return [TestOutcome(*t) for t in triples]


def test_alk_ihc_positive_confirms_alk():
    assert derived.gene_status(outcomes(("ALK", "ihc", "positive")), "ALK") == GeneStatus.POSITIVE


def test_ros1_ihc_positive_alone_is_screen_positive_until_confirmed():
    assert derived.gene_status(outcomes(("ROS1", "ihc", "positive")), "ROS1") == GeneStatus.SCREEN_POSITIVE
    confirmed = outcomes(("ROS1", "ihc", "positive"), ("ROS1", "rna_ngs", "positive"))
    assert derived.gene_status(confirmed, "ROS1") == GeneStatus.POSITIVE
    refuted = outcomes(("ROS1", "ihc", "positive"), ("ROS1", "fish", "negative"))
    assert derived.gene_status(refuted, "ROS1") == GeneStatus.NEGATIVE


def test_pan_trk_screen_covers_every_ntrk_gene():
    assert (
        derived.gene_status(outcomes(("NTRK3", "pan_trk_ihc", "positive")), "NTRK")
        == GeneStatus.SCREEN_POSITIVE
    )
    assert derived.gene_status(outcomes(("NTRK3", "rna_ngs", "positive")), "NTRK") == GeneStatus.POSITIVE


def test_equivocal_only_failed_only_and_untested():
    assert derived.gene_status(outcomes(("ALK", "fish", "equivocal")), "ALK") == GeneStatus.EQUIVOCAL
    assert derived.gene_status(outcomes(("ALK", "fish", "failed")), "ALK") == GeneStatus.UNKNOWN
    assert derived.gene_status([], "ALK") == GeneStatus.UNKNOWN
    assert (
        derived.gene_status(outcomes(("ALK", "fish", "equivocal"), ("ALK", "ihc", "negative")), "ALK")
        == GeneStatus.NEGATIVE
    )


def test_any_kinase_fusion():
    assert (
        derived.fusion_status(outcomes(("ALK", "ihc", "negative"), ("NTRK3", "rna_ngs", "positive")))
        == FusionStatus.YES
    )
    assert derived.fusion_status(outcomes(("ALK", "ihc", "negative"))) == FusionStatus.NO
    assert (
        derived.fusion_status(outcomes(("ALK", "ihc", "negative"), ("ROS1", "ihc", "positive")))
        == FusionStatus.UNKNOWN
    )
    assert derived.fusion_status([]) == FusionStatus.UNKNOWN


@pytest.mark.parametrize(
    "counted, rearranged, result, recount",
    [
        (100, 38, "positive", False),
        (50, 5, "negative", True),
        (50, 7, "negative", True),
        (100, 12, "negative", False),
        (40, 20, None, True),
        (200, 10, "negative", False),
    ],
)
def test_fish_threshold_and_recount(counted, rearranged, result, recount):
    assert derived.fish_interpretation(counted, rearranged) == result
    assert derived.fish_needs_more_nuclei(counted, rearranged) is recount


def test_definitive_resection_is_the_first_r0_or_r1_resection_never_rx():
    surgeries = [
        SurgeryFacts(1, dt.date(2020, 1, 1), "biopsy", ""),
        SurgeryFacts(2, dt.date(2020, 1, 5), "complete", "RX"),
        SurgeryFacts(3, dt.date(2020, 1, 9), "incomplete", "R2"),
        SurgeryFacts(4, dt.date(2020, 2, 1), "complete", "R1"),
        SurgeryFacts(5, dt.date(2020, 3, 1), "complete", "R0"),
    ]
    assert derived.definitive_resection(surgeries).id == 4
    assert derived.first_resection(surgeries).id == 2
    assert derived.definitive_resection(surgeries[:3]) is None


def test_imputed_partial_dates():
    assert impute(dt.date(2020, 3, 1), DatePrecision.MONTH) == dt.date(2020, 3, 15)
    assert impute(dt.date(2020, 1, 1), DatePrecision.YEAR) == dt.date(2020, 7, 1)
    assert impute(dt.date(2020, 1, 1), DatePrecision.YEAR, floor=dt.date(2020, 9, 3)) == dt.date(2020, 9, 3)
    assert PartialDate(dt.date(2020, 2, 1), DatePrecision.MONTH).latest == dt.date(2020, 2, 29)


@pytest.mark.django_db(transaction=True)
def test_derived_columns_follow_the_record():
    patient = PatientFactory(date_of_last_contact=dt.date(2021, 1, 1))
    tumor = TumorFactory(patient=patient)
    MolecularTestFactory(
        tumor=tumor, gene="ALK", method="fish", result="positive", nuclei_counted=100, nuclei_rearranged=40
    )
    resection = SurgeryFactory(tumor=tumor, margin="R1")
    ImagingStudyFactory(tumor=tumor, date=dt.date(2021, 6, 1), result="ned")
    DiseaseEventFactory(tumor=tumor, date=dt.date(2022, 2, 1))
    tumor.refresh_from_db()
    patient.refresh_from_db()
    assert tumor.alk_status == GeneStatus.POSITIVE
    assert tumor.definitive_resection_id == resection.pk
    assert tumor.last_disease_assessment == dt.date(2022, 2, 1)
    assert patient.last_contact == dt.date(2022, 2, 1)
