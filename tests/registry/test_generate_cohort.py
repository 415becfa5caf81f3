"""The synthetic cohort generator: repeatable, realistic, with history, and valid under the hard rules."""

import datetime as dt
import io
import random
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Surgery, Treatment, Tumor
from registry.roles import COORDINATOR
from registry.synthetic import (
    CHANGE_REASON,
    COORDINATOR_USERNAMES,
    GENERATOR_USERNAME,
    CohortWriteError,
    cohort_digest,
    generate_cohort,
    institution_records,
    synthetic_cohort_write,
)
from registry.vocabularies import (
    IMAGING_RESULT_EVENT,
    EventType,
    GeneStatus,
    Margin,
    SiteGroup,
    SurgeryExtent,
    VitalStatus,
)
from registry.vocabularies import TestMethod as Method

AS_OF = dt.date(2025, 6, 30)
PATIENTS = 2000
SEED = 20240611


@pytest.fixture(scope="module")
def cohort(django_db_setup, django_db_blocker):
    """One cohort for the whole module, written once and rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = synthetic_cohort_write(
            records=generate_cohort(patients=PATIENTS, seed=SEED, as_of=AS_OF, institutions=3),
            institutions=institution_records(3),
            batch_patients=700,
        )
        yield summary
        transaction.set_rollback(True)


def _age(tumor: Tumor) -> float:
    return (tumor.date_of_diagnosis - tumor.patient.date_of_birth).days / 365.25


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def test_the_same_seed_and_as_of_date_give_an_identical_cohort():
    first = cohort_digest(generate_cohort(patients=300, seed=5, as_of=AS_OF))
    again = cohort_digest(generate_cohort(patients=300, seed=5, as_of=AS_OF))
    assert first == again


def test_another_seed_or_as_of_date_gives_another_cohort():
    base = cohort_digest(generate_cohort(patients=300, seed=5, as_of=AS_OF))
    assert cohort_digest(generate_cohort(patients=300, seed=6, as_of=AS_OF)) != base
    assert cohort_digest(generate_cohort(patients=300, seed=5, as_of=AS_OF - dt.timedelta(days=1))) != base


def test_nothing_happens_after_the_as_of_date():
    for record in generate_cohort(patients=500, seed=3, as_of=AS_OF):
        assert record.patient["date_of_last_contact"] <= AS_OF
        for tumor in record.tumors:
            assert all(study["date"] <= AS_OF for study in tumor.imaging)
            assert all(event["date"] <= AS_OF for event in tumor.events)
            assert all(surgery["date"] <= AS_OF for surgery in tumor.surgeries)
            assert all((t["end_date"] or t["start_date"]) <= AS_OF for t in tumor.treatments)


def test_the_writer_stores_every_generated_patient_and_record(cohort, db):
    assert Patient.objects.count() == PATIENTS
    assert cohort.counts["patients"] == PATIENTS
    assert Tumor.objects.count() == cohort.counts["tumors"] >= PATIENTS
    assert ImagingStudy.objects.count() == cohort.counts["imaging studies"] > 5 * PATIENTS


def test_two_thirds_of_patients_are_children_with_adults_older_around_forty(cohort, db):
    ages = [_age(t) for t in Tumor.objects.filter(tumor_record_number=1).select_related("patient")]
    children = [a for a in ages if a < 18]
    adults = [a for a in ages if a >= 18]
    assert 0.60 <= _share(len(children), len(ages)) <= 0.73
    assert 8 <= statistics.median(children) <= 12
    assert 36 <= statistics.median(adults) <= 50


def test_sex_is_about_one_to_one(cohort, db):
    males = Patient.objects.filter(sex=1).count()
    assert 0.44 <= _share(males, PATIENTS) <= 0.56


def test_sites_follow_the_published_shares(cohort, db):
    total = Tumor.objects.count()
    share = {
        group: _share(Tumor.objects.filter(site_group=group).count(), total) for group in SiteGroup.values
    }
    assert 0.38 <= share[SiteGroup.ABDOMEN_PELVIS] <= 0.52
    assert 0.20 <= share[SiteGroup.LUNG_THORAX] <= 0.33
    assert 0.08 <= share[SiteGroup.HEAD_NECK] <= 0.20
    assert 0.07 <= share[SiteGroup.GENITOURINARY] <= 0.16
    assert 0.02 <= share[SiteGroup.TRUNK_EXTREMITIES] <= 0.07
    assert share[SiteGroup.OTHER] == 0


def test_sizes_have_a_median_near_forty_millimetres(cohort, db):
    sizes = list(Tumor.objects.filter(size_mm__isnull=False).values_list("size_mm", flat=True))
    assert 32 <= statistics.median(sizes) <= 48
    assert Tumor.objects.filter(size_code__isnull=False).exists()


def test_alk_is_positive_in_about_half_to_two_thirds_of_the_young_and_less_in_older_adults(cohort, db):
    young = old = young_positive = old_positive = 0
    for tumor in Tumor.objects.select_related("patient"):
        positive = tumor.alk_status == GeneStatus.POSITIVE
        if _age(tumor) < 40:
            young, young_positive = young + 1, young_positive + positive
        else:
            old, old_positive = old + 1, old_positive + positive
    assert 0.48 <= _share(young_positive, young) <= 0.68
    assert _share(old_positive, old) < _share(young_positive, young)


def test_ros1_and_ntrk_fusions_are_found_among_alk_negative_tumors(cohort, db):
    negative = Tumor.objects.filter(alk_status=GeneStatus.NEGATIVE)
    assert negative.filter(ros1_status__in=[GeneStatus.POSITIVE, GeneStatus.SCREEN_POSITIVE]).exists()
    assert negative.filter(ntrk_status=GeneStatus.POSITIVE).exists()
    assert MolecularTest.objects.filter(gene="NTRK3", fusion_partner="ETV6", method=Method.RNA_NGS).exists()


def test_margins_of_first_resections_follow_the_published_shares(cohort, db):
    margins = {}
    for surgery in Surgery.objects.exclude(extent=SurgeryExtent.BIOPSY).order_by("tumor_id", "date", "id"):
        margins.setdefault(surgery.tumor_id, surgery.margin)
    total = len(margins)
    counts = {margin: list(margins.values()).count(margin) for margin in Margin.values}
    assert 0.58 <= _share(counts[Margin.R0], total) <= 0.74
    assert 0.14 <= _share(counts[Margin.R1], total) <= 0.26
    assert 0.09 <= _share(counts[Margin.R2], total) <= 0.19
    assert 0 < counts[Margin.RX] < 0.05 * total
    assert Tumor.objects.exclude(
        surgeries__extent__in=[SurgeryExtent.COMPLETE, SurgeryExtent.INCOMPLETE]
    ).exists()


def test_recurrence_is_rare_after_r0_and_common_after_r1_or_r2(cohort, db):
    first_margin = {}
    for surgery in Surgery.objects.exclude(extent=SurgeryExtent.BIOPSY).order_by("tumor_id", "date", "id"):
        first_margin.setdefault(surgery.tumor_id, surgery.margin)
    with_event = set(DiseaseEvent.objects.values_list("tumor_id", flat=True))
    r0 = [t for t, m in first_margin.items() if m == Margin.R0]
    incomplete = [t for t, m in first_margin.items() if m in (Margin.R1, Margin.R2)]
    r0_rate = _share(sum(t in with_event for t in r0), len(r0))
    incomplete_rate = _share(sum(t in with_event for t in incomplete), len(incomplete))
    assert r0_rate <= 0.13
    assert 0.25 <= incomplete_rate <= 0.60
    assert incomplete_rate > 2 * r0_rate


def test_every_event_is_backed_by_an_imaging_study_of_its_tumor(cohort, db):
    events = DiseaseEvent.objects.select_related("source_imaging")
    assert events.exists()
    for event in events:
        assert event.source_imaging.tumor_id == event.tumor_id
        assert IMAGING_RESULT_EVENT[event.source_imaging.result] == event.event_type


def test_metastasis_and_death_are_rare(cohort, db):
    total = Tumor.objects.count()
    distant = (
        DiseaseEvent.objects.filter(event_type=EventType.DISTANT_METASTASIS).values("tumor_id").distinct()
    )
    assert _share(distant.count(), total) <= 0.07
    assert 0.02 <= _share(Tumor.objects.filter(metastatic_at_diagnosis=True).count(), total) <= 0.09
    assert 0 < Patient.objects.filter(vital_status=VitalStatus.DEAD).count() <= 0.10 * PATIENTS


def test_coordinators_follow_almost_every_patient(cohort, db):
    coordinators = get_user_model().objects.filter(
        username__in=COORDINATOR_USERNAMES, groups__name=COORDINATOR
    )
    assert coordinators.count() == 3
    without = Patient.objects.filter(coordinator__isnull=True).count()
    assert 0 < without <= 0.04 * PATIENTS
    assert set(Patient.objects.values_list("coordinator__username", flat=True)) - {None} == set(
        COORDINATOR_USERNAMES
    )


def test_minors_have_a_guardian_and_consent_is_mostly_given(cohort, db):
    minors = [p for p in Patient.objects.all() if (AS_OF - p.date_of_birth).days < 18 * 365.25 - 2]
    assert minors and all(p.guardian_name and p.guardian_phone for p in minors)
    assert Patient.objects.filter(consent_status="withdrawn").count() <= 0.03 * PATIENTS
    assert Patient.objects.filter(consent_status="consented").count() >= 0.9 * PATIENTS


def test_a_few_dates_are_known_only_to_the_month_or_year(cohort, db):
    partial = Tumor.objects.exclude(date_of_diagnosis_precision="D").count()
    assert 0 < partial <= 0.06 * Tumor.objects.count()


def test_each_patient_and_tumor_has_a_history_row_by_the_generator(cohort, db):
    generator = get_user_model().objects.get(username=GENERATOR_USERNAME)
    for model in (Patient, Tumor, Surgery, ImagingStudy, DiseaseEvent, Treatment):
        history = model.history.filter(history_type="+", history_change_reason=CHANGE_REASON)
        assert history.filter(history_user=generator).count() == model.objects.count()
    assert set(Patient.history.values_list("id", flat=True)) == set(
        Patient.objects.values_list("id", flat=True)
    )


def test_each_history_row_holds_the_values_of_its_record(cohort, db):
    for model in (Patient, Tumor, ImagingStudy, DiseaseEvent):
        for row in model.objects.order_by("?")[:20]:
            created = row.history.get(history_type="+")
            for field in model.history.model.tracked_fields:
                assert getattr(created, field.attname) == getattr(row, field.attname), field.name


def test_derived_columns_are_current_after_the_bulk_write(cohort, db):
    assert not Patient.objects.filter(last_contact__isnull=True).exists()
    r0 = Tumor.objects.filter(surgeries__margin=Margin.R0).distinct()
    assert r0.exists() and not r0.filter(definitive_resection__isnull=True).exists()
    assert Tumor.objects.filter(alk_status=GeneStatus.POSITIVE).exists()


def test_a_sample_of_generated_records_passes_full_validation(cohort, db):
    # full_clean() runs a query per constraint and row, so a random sample plus the planted problems.
    ids = sorted(Patient.objects.values_list("id", flat=True))
    sample = set(random.Random(1).sample(ids, 30))
    sample |= set(Tumor.objects.filter(size_mm__gt=300).values_list("patient_id", flat=True))
    sample |= set(Tumor.objects.filter(behavior=3).values_list("patient_id", flat=True)[:3])
    sample |= set(Patient.objects.filter(vital_status=VitalStatus.DEAD).values_list("id", flat=True)[:3])
    sample |= set(Tumor.objects.filter(events__isnull=False).values_list("patient_id", flat=True)[:5])
    for patient in Patient.objects.filter(id__in=sample):
        patient.full_clean()
        for tumor in patient.tumors.all():
            tumor.full_clean()
            tumor.presentation.full_clean()
            for related in (
                tumor.surgeries,
                tumor.molecular_tests,
                tumor.treatments,
                tumor.imaging_studies,
                tumor.events,
            ):
                for row in related.all():
                    row.full_clean()


def test_the_planted_data_quality_problems_are_there(cohort, db):
    assert Tumor.objects.filter(size_mm__gt=300).count() >= 2
    assert Tumor.objects.filter(behavior=3).exclude(variant="epithelioid").exists()
    assert MolecularTest.objects.filter(method=Method.IHC).exclude(fusion_partner="").exists()
    grey_zone = [
        t
        for t in MolecularTest.objects.filter(method=Method.FISH, nuclei_counted__lt=100)
        if 0.10 <= t.nuclei_rearranged / t.nuclei_counted <= 0.50
    ]
    assert grey_zone
    suggestive = ImagingStudy.objects.filter(result__in=list(IMAGING_RESULT_EVENT)).exclude(
        events__isnull=False
    )
    assert suggestive.filter(tumor__events__isnull=True).exists()
    stale = Tumor.objects.filter(
        patient__follow_up_status="active",
        patient__vital_status=VitalStatus.ALIVE,
        last_disease_assessment__lt=AS_OF - dt.timedelta(days=400),
    )
    assert stale.exists()
    disagree = [
        t
        for t in Tumor.objects.filter(
            molecular_tests__method=Method.FISH,
            molecular_tests__result="negative",
            molecular_tests__gene="ALK",
        )
        if t.molecular_tests.filter(gene="ALK", method=Method.IHC, result="positive").exists()
    ]
    assert disagree


def test_the_command_shows_progress_and_prints_a_summary(db):
    out, err = io.StringIO(), io.StringIO()
    before = Patient.objects.count()
    call_command(
        "generate_cohort", "--patients=60", "--seed=11", "--as-of=2025-01-31", stdout=out, stderr=err
    )
    assert "Generated a synthetic cohort (seed 11, as of 2025-01-31)" in out.getvalue()
    assert "patients" in out.getvalue() and "60" in out.getvalue()
    assert "60/60" in err.getvalue()
    assert Patient.objects.count() == before + 60


def test_the_command_refuses_a_malformed_as_of_date(db):
    with pytest.raises(CommandError, match="--as-of"):
        call_command(
            "generate_cohort", "--patients=5", "--seed=1", "--as-of=31/01/2025", stdout=io.StringIO()
        )


def test_writing_the_same_cohort_twice_is_refused_without_naming_anyone(db):
    def write():
        synthetic_cohort_write(
            records=generate_cohort(patients=60, seed=99, as_of=AS_OF, institutions=2),
            institutions=institution_records(2),
        )

    write()
    before = Patient.objects.count()
    with pytest.raises(CohortWriteError) as refused:
        write()
    assert "already in the database" in str(refused.value)
    assert not any(
        mrn in str(refused.value) for mrn in Patient.objects.values_list("medical_record_number", flat=True)
    )
    assert Patient.objects.count() == before
