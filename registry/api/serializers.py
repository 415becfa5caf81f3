"""Serializers of the registrars' read API of the record, the token endpoints and the error format."""

from __future__ import annotations

from rest_framework import serializers

from registry.models import (
    DiseaseEvent,
    ImagingStudy,
    Institution,
    MolecularTest,
    Patient,
    Presentation,
    Surgery,
    Treatment,
    Tumor,
)
from registry.quality.models import Finding


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path of the input field, or null.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The one error format of the API (registry.api.errors)."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "code", "name"]


class PatientSerializer(serializers.ModelSerializer):
    institution = InstitutionSerializer(read_only=True)
    coordinator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    open_finding_count = serializers.IntegerField(read_only=True)
    tumors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "registry_number",
            "institution",
            "medical_record_number",
            "source_registry",
            "source_patient_id",
            "last_name",
            "first_name",
            "date_of_birth",
            "date_of_birth_precision",
            "sex",
            "race",
            "hispanic_origin",
            "vital_status",
            "date_of_death",
            "date_of_death_precision",
            "cause_of_death",
            "date_of_last_contact",
            "date_of_last_contact_precision",
            "last_contact",
            "follow_up_status",
            "consent_status",
            "coordinator",
            "phone",
            "email",
            "guardian_name",
            "guardian_phone",
            "tumors",
            "open_finding_count",
        ]


class PresentationSerializer(serializers.ModelSerializer):
    systemic_inflammatory_symptoms = serializers.BooleanField(read_only=True)

    class Meta:
        model = Presentation
        exclude = ["id", "tumor"]


class SurgerySerializer(serializers.ModelSerializer):
    class Meta:
        model = Surgery
        exclude = ["tumor"]


class MolecularTestSerializer(serializers.ModelSerializer):
    class Meta:
        model = MolecularTest
        exclude = ["tumor"]


class TreatmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Treatment
        exclude = ["tumor"]


class ImagingStudySerializer(serializers.ModelSerializer):
    class Meta:
        model = ImagingStudy
        exclude = ["tumor"]


class DiseaseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DiseaseEvent
        exclude = ["tumor"]


class TumorSerializer(serializers.ModelSerializer):
    registry_number = serializers.IntegerField(source="patient.registry_number", read_only=True)
    # A tumor without a recorded presentation gives null (DRF maps the missing one-to-one to None).
    presentation = PresentationSerializer(read_only=True, allow_null=True)
    surgeries = SurgerySerializer(many=True, read_only=True)
    molecular_tests = MolecularTestSerializer(many=True, read_only=True)
    treatments = TreatmentSerializer(many=True, read_only=True)
    imaging_studies = ImagingStudySerializer(many=True, read_only=True)
    events = DiseaseEventSerializer(many=True, read_only=True)
    age_at_diagnosis = serializers.SerializerMethodField()
    margin = serializers.CharField(
        source="margin_of_record",
        read_only=True,
        allow_null=True,
        help_text="Of the definitive resection, else of the last resection.",
    )
    naaccr_size = serializers.CharField(read_only=True)
    open_finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Tumor
        fields = [
            "id",
            "patient",
            "registry_number",
            "tumor_record_number",
            "sequence_number",
            "date_of_diagnosis",
            "date_of_diagnosis_precision",
            "basis_of_diagnosis",
            "primary_site",
            "site_group",
            "laterality",
            "histology",
            "behavior",
            "variant",
            "size_mm",
            "size_code",
            "naaccr_size",
            "multifocal",
            "metastatic_at_diagnosis",
            "age_at_diagnosis",
            "alk_status",
            "ros1_status",
            "ntrk_status",
            "fusion_status",
            "definitive_resection",
            "margin",
            "last_disease_assessment",
            "presentation",
            "surgeries",
            "molecular_tests",
            "treatments",
            "imaging_studies",
            "events",
            "open_finding_count",
        ]

    def get_age_at_diagnosis(self, tumor) -> float | None:
        age = tumor.age_at_diagnosis()
        return round(age, 2) if age is not None else None


class TumorListSerializer(TumorSerializer):
    """A tumor in a list: every record but the imaging series, which the tumor's own page carries."""

    imaging_count = serializers.IntegerField(read_only=True)

    class Meta(TumorSerializer.Meta):
        fields = [f for f in TumorSerializer.Meta.fields if f != "imaging_studies"] + ["imaging_count"]


class FindingSerializer(serializers.ModelSerializer):
    registry_number = serializers.IntegerField(source="patient.registry_number", read_only=True)
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    state_changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "rule_label",
            "patient",
            "registry_number",
            "tumor",
            "imaging_study",
            "molecular_test",
            "detail",
            "state",
            "first_found_at",
            "state_changed_at",
            "state_changed_by",
            "reason",
        ]
