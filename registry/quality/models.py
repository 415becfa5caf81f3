"""Data-quality findings: one row per soft-rule condition found in the record (DESIGN section 5).

A finding is identified by its rule and the record it is about (`condition_key`), so re-evaluating the
rules updates the same row: it resolves when the condition goes away and reopens when it returns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Rule(models.TextChoices):
    IMAGING_EVENT_NOT_RECORDED = "imaging_event_missing", "Imaging suggests an event not recorded"
    ALK_IHC_FISH_DISAGREE = "alk_ihc_fish_disagree", "ALK IHC and FISH disagree"
    PARTNER_FROM_METHOD_WITHOUT_PARTNER = (
        "partner_wrong_method",
        "Fusion partner from a method that cannot name one",
    )
    FISH_NEEDS_MORE_NUCLEI = "fish_more_nuclei", "FISH rate that needed more nuclei"
    NO_RECENT_ASSESSMENT = "assessment_overdue", "No disease assessment in over 13 months"
    NO_COORDINATOR = "no_coordinator", "No coordinator"
    SIZE_OVER_300_MM = "size_over_300", "Size over 300 mm"
    AGE_OVER_90 = "age_over_90", "Age at diagnosis over 90"
    MALIGNANT_NOT_EPITHELIOID = "behavior3_not_epithelioid", "8825/3 not marked epithelioid variant"


class FindingState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Finding(models.Model):
    rule = models.CharField(max_length=32, choices=Rule.choices)
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="findings")
    tumor = models.ForeignKey(
        "registry.Tumor", null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    imaging_study = models.ForeignKey(
        "registry.ImagingStudy", null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    molecular_test = models.ForeignKey(
        "registry.MolecularTest", null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    # "<rule>:<patient>:<tumor>:<imaging>:<test>" (ids only): the identity of the condition.
    condition_key = models.CharField(max_length=120, unique=True, editable=False)
    detail = models.CharField(max_length=300, help_text="What the rule found; never an identifier.")
    state = models.CharField(max_length=12, choices=FindingState.choices, default=FindingState.OPEN)
    first_found_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who acknowledged or resolved it; empty when the record change resolved it.",
    )
    reason = models.TextField(blank=True, help_text="Why the finding was acknowledged.")

    class Meta:
        ordering = ["rule", "patient_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="finding_rule_valid"),
            models.CheckConstraint(condition=Q(state__in=FindingState.values), name="finding_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=FindingState.ACKNOWLEDGED) | ~Q(reason=""),
                name="finding_acknowledged_with_reason",
            ),
        ]
        indexes = [
            # Findings report: filter by state and rule, counts per rule.
            models.Index(fields=["state", "rule"], name="finding_state_rule_idx"),
            # Patient page and admin columns: open findings of a patient.
            models.Index(fields=["patient", "state"], name="finding_patient_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} ({self.get_state_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.state != FindingState.RESOLVED

    @staticmethod
    def key_for(
        rule: str, patient_id: int, tumor_id=None, imaging_study_id=None, molecular_test_id=None
    ) -> str:
        parts = (rule, patient_id, tumor_id, imaging_study_id, molecular_test_id)
        return ":".join("" if part is None else str(part) for part in parts)
