"""factory_boy factories for the record, shared by every test package."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registry import models
from registry.vocabularies import (
    ImagingPurpose,
    ImagingResult,
    Margin,
    Modality,
    Sex,
    SurgeryExtent,
    TestMethod,
    TestResult,
    TreatmentCategory,
)

DIAGNOSIS = dt.date(2020, 3, 10)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"INST{n:03d}")
    name = factory.Sequence(lambda n: f"Children's Hospital {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Patient

    institution = factory.SubFactory(InstitutionFactory, code="INST001")
    medical_record_number = factory.Sequence(lambda n: f"MRN{n:07d}")
    last_name = factory.Faker("last_name")
    first_name = factory.Faker("first_name")
    date_of_birth = dt.date(2012, 6, 1)
    sex = Sex.FEMALE
    date_of_last_contact = dt.date(2023, 1, 15)


class TumorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tumor

    patient = factory.SubFactory(PatientFactory)
    date_of_diagnosis = DIAGNOSIS
    primary_site = "C48.1"
    size_mm = 62


class PresentationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Presentation

    tumor = factory.SubFactory(TumorFactory)


class SurgeryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Surgery

    tumor = factory.SubFactory(TumorFactory)
    date = dt.date(2020, 3, 20)
    extent = SurgeryExtent.COMPLETE
    margin = Margin.R0


class MolecularTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MolecularTest

    tumor = factory.SubFactory(TumorFactory)
    specimen_date = dt.date(2020, 3, 20)
    gene = "ALK"
    method = TestMethod.IHC
    result = TestResult.POSITIVE


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Treatment

    tumor = factory.SubFactory(TumorFactory)
    category = TreatmentCategory.ALK_INHIBITOR
    agent = "crizotinib"
    start_date = dt.date(2020, 4, 1)


class ImagingStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ImagingStudy

    tumor = factory.SubFactory(TumorFactory)
    date = dt.date(2020, 6, 20)
    purpose = ImagingPurpose.SURVEILLANCE
    modality = Modality.CT
    result = ImagingResult.NED


class DiseaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DiseaseEvent

    tumor = factory.SubFactory(TumorFactory)
    event_type = "local_recurrence"
    date = dt.date(2021, 1, 10)
