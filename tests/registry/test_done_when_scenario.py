"""The foundation's acceptance scene: the mesenteric case saves, four mistakes are refused on their field."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from registry.models import ImagingStudy, MolecularTest, Surgery, Treatment, Tumor
from registry.vocabularies import FusionStatus, GeneStatus, SiteGroup
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def test_mesenteric_case_with_r1_resection_alk_fish_and_crizotinib_saves():
    patient = PatientFactory(date_of_birth=dt.date(2013, 2, 1))
    tumor = _save(
        Tumor(patient=patient, date_of_diagnosis=dt.date(2020, 3, 10), primary_site="C48.1", size_mm=62)
    )
    resection = _save(Surgery(tumor=tumor, date=dt.date(2020, 3, 24), extent="incomplete", margin="R1"))
    _save(
        MolecularTest(
            tumor=tumor,
            specimen_date=dt.date(2020, 3, 24),
            gene="ALK",
            method="fish",
            result="positive",
            nuclei_counted=100,
            nuclei_rearranged=40,
        )
    )
    _save(
        Treatment(tumor=tumor, category="alk_inhibitor", agent="crizotinib", start_date=dt.date(2020, 4, 20))
    )

    tumor.refresh_from_db()
    assert tumor.site_group == SiteGroup.ABDOMEN_PELVIS
    assert tumor.alk_status == GeneStatus.POSITIVE
    assert tumor.fusion_status == FusionStatus.YES
    assert tumor.definitive_resection_id == resection.pk
    assert tumor.history.count() == 1


@pytest.mark.parametrize(
    "build, field",
    [
        (
            lambda t: ImagingStudy(
                tumor=t, date=dt.date(2020, 1, 5), purpose="surveillance", modality="ct", result="ned"
            ),
            "date",
        ),
        (lambda t: Surgery(tumor=t, date=dt.date(2020, 3, 24), extent="complete", margin=""), "margin"),
        (
            lambda t: Tumor(patient=t.patient, date_of_diagnosis=dt.date(2020, 3, 10), primary_site="C99.9"),
            "primary_site",
        ),
        (
            lambda t: Tumor(
                patient=t.patient, date_of_diagnosis=dt.date(2020, 3, 10), primary_site="C48.1", size_mm=12000
            ),
            "size_mm",
        ),
    ],
    ids=["surveillance-before-diagnosis", "resection-without-margin", "topography-C99.9", "size-12000-mm"],
)
def test_mistakes_are_refused_with_a_message_on_the_right_field(build, field):
    patient = PatientFactory(
        date_of_birth=dt.date(2013, 2, 1), last_name="Zyxwvuts", medical_record_number="MRN-SECRET-1"
    )
    tumor = _save(Tumor(patient=patient, date_of_diagnosis=dt.date(2020, 3, 10), primary_site="C48.1"))
    record = build(tumor)
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    assert field in refused.value.message_dict
    text = " ".join(m for msgs in refused.value.message_dict.values() for m in msgs)
    assert "Zyxwvuts" not in text and "MRN-SECRET-1" not in text and "2013" not in text
