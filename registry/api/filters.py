"""Filters of the record API (django-filter); each filters an indexed column or a list annotation."""

import django_filters

from registry.models import Patient, Tumor
from registry.quality.models import Finding, FindingState, Rule
from registry.vocabularies import ConsentStatus, FollowUpStatus, GeneStatus, Margin, SiteGroup, VitalStatus


class PatientFilter(django_filters.FilterSet):
    institution = django_filters.CharFilter(field_name="institution__code", help_text="Institution code.")
    vital_status = django_filters.TypedChoiceFilter(choices=VitalStatus.choices, coerce=int)
    follow_up_status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices)
    consent_status = django_filters.ChoiceFilter(choices=ConsentStatus.choices)
    coordinator = django_filters.CharFilter(
        field_name="coordinator__username", help_text="Coordinator's username."
    )
    medical_record_number = django_filters.CharFilter()
    registry_number = django_filters.NumberFilter()

    class Meta:
        model = Patient
        fields = [
            "institution",
            "vital_status",
            "follow_up_status",
            "consent_status",
            "coordinator",
            "medical_record_number",
            "registry_number",
        ]


class TumorFilter(django_filters.FilterSet):
    site_group = django_filters.ChoiceFilter(choices=SiteGroup.choices)
    alk_status = django_filters.ChoiceFilter(choices=GeneStatus.choices)
    institution = django_filters.CharFilter(
        field_name="patient__institution__code", help_text="Institution code."
    )
    margin = django_filters.ChoiceFilter(
        field_name="margin_of_record",
        choices=Margin.choices,
        help_text="Margin of the definitive resection, else of the last resection.",
    )
    diagnosed_from = django_filters.DateFilter(field_name="date_of_diagnosis", lookup_expr="gte")
    diagnosed_to = django_filters.DateFilter(field_name="date_of_diagnosis", lookup_expr="lte")
    patient = django_filters.NumberFilter(field_name="patient_id")

    class Meta:
        model = Tumor
        fields = [
            "site_group",
            "alk_status",
            "institution",
            "margin",
            "diagnosed_from",
            "diagnosed_to",
            "patient",
        ]


class FindingFilter(django_filters.FilterSet):
    rule = django_filters.ChoiceFilter(choices=Rule.choices)
    state = django_filters.ChoiceFilter(choices=FindingState.choices)
    patient = django_filters.NumberFilter(field_name="patient_id")

    class Meta:
        model = Finding
        fields = ["rule", "state", "patient"]
