"""Cohort criteria: the typed serializer that validates them, their canonical form and fingerprint.

Criteria arrive as JSON (saved cohorts, preview) or as query parameters (de-identified tumor list,
export bundle); both go through `CohortCriteriaSerializer`, so a bad type or a NUL byte is a 400 that
names the field, never a database error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from rest_framework import serializers

from registry.vocabularies import (
    Agent,
    EventType,
    FusionStatus,
    GeneStatus,
    Sex,
    SiteGroup,
    TreatmentCategory,
    Variant,
)

FIRST_RESECTION_MARGINS = ("R0", "R1", "R2", "RX", "none")
DEFINITIVE_MARGINS = ("R0", "R1", "none")
TOPOGRAPHY_PREFIX = r"^C([0-9]([0-9](\.[0-9]?)?)?)?$"

# The order in which the attrition table applies the criteria (DESIGN section 8).
CRITERIA_ORDER = (
    ("diagnosis_date", ("diagnosis_date_from", "diagnosis_date_to"), "Diagnosed in the date range"),
    ("age_at_diagnosis", ("age_at_diagnosis_min", "age_at_diagnosis_max"), "Age at diagnosis in range"),
    ("sex", ("sex",), "Sex"),
    ("site_group", ("site_group",), "Site group"),
    ("topography", ("topography_prefix",), "Topography (ICD-O-3) prefix"),
    ("variant", ("variant",), "Variant"),
    ("size", ("size_mm_min", "size_mm_max"), "Largest dimension in range"),
    ("metastatic_at_diagnosis", ("metastatic_at_diagnosis",), "Metastatic at diagnosis"),
    ("first_resection_margin", ("first_resection_margin",), "Margin of the first resection"),
    ("definitive_margin", ("definitive_margin",), "Margin of the definitive resection"),
    ("alk_status", ("alk_status",), "ALK status"),
    ("ros1_status", ("ros1_status",), "ROS1 status"),
    ("ntrk_status", ("ntrk_status",), "NTRK status"),
    ("fusion_status", ("fusion_status",), "Any kinase fusion"),
    ("treatment_category", ("treatment_category",), "Had a treatment of the category"),
    ("treatment_agent", ("treatment_agent",), "Had a treatment with the agent"),
    ("institution", ("institution",), "Institution"),
    ("event_type", ("event_type",), "Had a disease event of the type"),
)


def _choices(choices, help_text: str, child=None) -> serializers.ListField:
    return serializers.ListField(
        child=child or serializers.ChoiceField(choices=choices),
        required=False,
        allow_empty=False,
        max_length=50,
        help_text=help_text,
    )


# Ages over 89 form one group (45 CFR 164.514(b)(2)(i)(C)).
TOP_CODED_AGE = 90


class CohortCriteriaSerializer(serializers.Serializer):
    """Every criterion is optional; list criteria match any of their values; all criteria must hold."""

    diagnosis_date_from = serializers.DateField(
        required=False, help_text="Diagnosed on or after this January 1 (YYYY-01-01): whole years only."
    )
    diagnosis_date_to = serializers.DateField(
        required=False, help_text="Diagnosed on or before this December 31 (YYYY-12-31): whole years only."
    )
    age_at_diagnosis_min = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=TOP_CODED_AGE,
        help_text="Completed years at diagnosis, at least; 90 stands for 90 and over.",
    )
    age_at_diagnosis_max = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=TOP_CODED_AGE,
        help_text="Completed years at diagnosis, at most; 90 stands for 90 and over.",
    )
    sex = _choices(Sex.choices, "NAACCR 220 sex codes.", serializers.ChoiceField(choices=Sex.choices))
    site_group = _choices(SiteGroup.choices, "Site groups derived from the topography.")
    topography_prefix = serializers.ListField(
        child=serializers.RegexField(
            TOPOGRAPHY_PREFIX,
            max_length=5,
            error_messages={"invalid": "Enter an ICD-O-3 topography prefix such as C48 or C48.1."},
        ),
        required=False,
        allow_empty=False,
        max_length=50,
        help_text="ICD-O-3 topography prefixes, e.g. C48 or C49.4.",
    )
    variant = _choices(Variant.choices, "Tumor variant.")
    size_mm_min = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=989,
        help_text="Largest dimension in mm, at least (measured sizes only).",
    )
    size_mm_max = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=989,
        help_text="Largest dimension in mm, at most (measured sizes only).",
    )
    metastatic_at_diagnosis = serializers.BooleanField(
        required=False, help_text="Metastatic at diagnosis (true or false)."
    )
    first_resection_margin = _choices(
        FIRST_RESECTION_MARGINS, "Margin of the first resection; none = never resected."
    )
    definitive_margin = _choices(
        DEFINITIVE_MARGINS, "Margin of the definitive resection; none = no definitive resection."
    )
    alk_status = _choices(GeneStatus.choices, "Derived ALK status.")
    ros1_status = _choices(GeneStatus.choices, "Derived ROS1 status.")
    ntrk_status = _choices(GeneStatus.choices, "Derived NTRK status.")
    fusion_status = _choices(FusionStatus.choices, "Any kinase fusion.")
    treatment_category = _choices(
        TreatmentCategory.choices, "Had at least one treatment of these categories."
    )
    treatment_agent = _choices(Agent.choices, "Had at least one treatment with these agents.")
    institution = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z0-9_.-]{1,20}$", max_length=20),
        required=False,
        allow_empty=False,
        max_length=50,
        help_text="Institution codes.",
    )
    event_type = _choices(EventType.choices, "Had at least one recorded disease event of these types.")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"criteria": ["Criteria must be a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown criterion."] for name in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs):
        errors = {}
        # Safe Harbor keeps the year of diagnosis only: a day-level range would pin a tumor's date.
        if attrs.get("diagnosis_date_from") and (
            attrs["diagnosis_date_from"].month,
            attrs["diagnosis_date_from"].day,
        ) != (1, 1):
            errors["diagnosis_date_from"] = ["Whole years only: give a January 1 (YYYY-01-01)."]
        if attrs.get("diagnosis_date_to") and (
            attrs["diagnosis_date_to"].month,
            attrs["diagnosis_date_to"].day,
        ) != (12, 31):
            errors["diagnosis_date_to"] = ["Whole years only: give a December 31 (YYYY-12-31)."]
        for low, high in (
            ("diagnosis_date_from", "diagnosis_date_to"),
            ("age_at_diagnosis_min", "age_at_diagnosis_max"),
            ("size_mm_min", "size_mm_max"),
        ):
            if attrs.get(low) is not None and attrs.get(high) is not None and attrs[low] > attrs[high]:
                errors[high] = [f"Must not be less than {low}."]
        if errors:
            raise serializers.ValidationError(errors)
        return canonical_criteria(attrs)


def canonical_criteria(attrs: dict) -> dict:
    """JSON-ready criteria with lists sorted and empty criteria dropped: the stored and fingerprinted form."""
    canonical = {}
    for name, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = sorted(set(value), key=str)
        canonical[name] = value
    return dict(sorted(canonical.items()))


def criteria_fingerprint(criteria: dict) -> str:
    """A stable sha256 of validated criteria: equal criteria give equal fingerprints whatever their order."""
    text = json.dumps(canonical_criteria(dict(criteria)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def criteria_from_query(query_params, *, reserved: tuple[str, ...] = ()) -> dict:
    """Turn query parameters into criteria input; list criteria take repeated or comma-separated values."""
    data = {}
    fields = CohortCriteriaSerializer().fields
    for name in query_params:
        if name in reserved:
            continue
        field = fields.get(name)
        if isinstance(field, serializers.ListField):
            data[name] = [
                part for value in query_params.getlist(name) for part in value.split(",") if part != ""
            ]
        else:
            data[name] = query_params.get(name)
    return data


def validate_criteria(data) -> dict:
    """Validated, canonical criteria; raises DRF ValidationError naming each bad field."""
    serializer = CohortCriteriaSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
