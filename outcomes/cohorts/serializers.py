"""API shapes of cohorts, previews, de-identified tumors, export parameters and the export log."""

from __future__ import annotations

from rest_framework import serializers

from outcomes.cohorts.criteria import CohortCriteriaSerializer, criteria_fingerprint
from outcomes.cohorts.models import Cohort, ExportLog


class CohortSerializer(serializers.ModelSerializer):
    criteria = CohortCriteriaSerializer()
    owner = serializers.CharField(source="owner.username", read_only=True)
    criteria_fingerprint = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = [
            "id",
            "name",
            "description",
            "criteria",
            "criteria_fingerprint",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "created_at", "updated_at"]

    def get_criteria_fingerprint(self, cohort: Cohort) -> str:
        return criteria_fingerprint(cohort.criteria)


class AttritionStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    criteria = serializers.DictField()
    tumors = serializers.IntegerField()
    excluded = serializers.IntegerField()


class CohortPreviewSerializer(serializers.Serializer):
    criteria = serializers.DictField()
    criteria_fingerprint = serializers.CharField()
    tumors = serializers.IntegerField()
    patients = serializers.IntegerField()
    attrition = AttritionStepSerializer(many=True)


class PreviewRequestSerializer(serializers.Serializer):
    criteria = CohortCriteriaSerializer()


class ExportParametersSerializer(serializers.Serializer):
    """Query parameters of the bundle endpoint (criteria may be given as further query parameters)."""

    cohort = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Saved cohort id; omit for criteria given as query parameters, or for the whole registry.",
    )
    cut_off = serializers.DateField(required=False, help_text="Data cut-off date (default today).")
    file_format = serializers.ChoiceField(choices=["csv", "parquet"], default="csv")
    linkable = serializers.BooleanField(default=True, help_text="false: fresh keys for this export only.")
    identified = serializers.BooleanField(default=False, help_text="Registry admins only: names, MRN, dates.")


class DeidentifiedTumorSerializer(serializers.Serializer):
    """One tumor without identifiers: surrogate keys, year of diagnosis, days since diagnosis."""

    patient_key = serializers.CharField()
    tumor_key = serializers.CharField()
    diagnosis_year = serializers.IntegerField()
    age_at_diagnosis = serializers.IntegerField(
        allow_null=True, help_text="Completed years, top-coded at 90; null when only the band is released."
    )
    age_band = serializers.CharField(allow_null=True)
    sex = serializers.IntegerField()
    institution = serializers.CharField(allow_null=True)
    primary_site = serializers.CharField()
    site_group = serializers.CharField()
    variant = serializers.CharField()
    behavior = serializers.IntegerField()
    size_mm = serializers.IntegerField(allow_null=True)
    size_code = serializers.IntegerField(allow_null=True)
    metastatic_at_diagnosis = serializers.BooleanField()
    alk_status = serializers.CharField()
    ros1_status = serializers.CharField()
    ntrk_status = serializers.CharField()
    fusion_status = serializers.CharField()
    first_resection_margin = serializers.CharField()
    definitive_margin = serializers.CharField()
    definitive_resection_day = serializers.IntegerField(allow_null=True, help_text="Days since diagnosis.")
    last_disease_assessment_day = serializers.IntegerField(allow_null=True, help_text="Days since diagnosis.")
    last_contact_day = serializers.IntegerField(allow_null=True, help_text="Days since diagnosis.")
    vital_status = serializers.IntegerField()


class ExportLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ExportLog
        fields = [
            "id",
            "user",
            "started_at",
            "finished_at",
            "cohort",
            "cohort_name",
            "criteria",
            "criteria_fingerprint",
            "cut_off",
            "file_format",
            "deidentified",
            "linkable",
            "row_counts",
            "checksums",
            "status",
            "error_class",
        ]
        read_only_fields = fields
