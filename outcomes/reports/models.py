"""Stored outcome reports: parameters, fingerprint of the analysis rows, status with a lease, results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutcomeReport(models.Model):
    class Scope(models.TextChoices):
        REGISTRY = "registry", "Whole registry"
        COHORT = "cohort", "Saved cohort"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", "Nightly schedule"
        DASHBOARD = "dashboard", "Dashboard"
        API = "api", "API"
        ADMIN = "admin", "Admin action"
        SWEEP = "sweep", "Re-run after a lost worker"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    # Parameters
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.REGISTRY)
    cohort = models.ForeignKey(
        "cohorts.Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="outcome_reports"
    )
    cohort_criteria = models.JSONField(
        null=True, blank=True, help_text="Snapshot of the cohort's criteria when the report was requested."
    )
    cut_off = models.DateField()
    endpoints = models.JSONField(default=list)
    strata = models.JSONField(default=list)
    parameters_key = models.CharField(max_length=64, help_text="sha256 of the canonical parameters.")
    # Run
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retried_by"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.DASHBOARD)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcome_reports",
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of tables computed.")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="An active report past its lease is swept as lost."
    )
    # Outcome
    fingerprint = models.CharField(max_length=64, blank=True, help_text="sha256 of the analysis rows.")
    software_version = models.CharField(max_length=200, blank=True)
    tumors = models.PositiveIntegerField(null=True, blank=True)
    results = models.JSONField(null=True, blank=True)
    error_class = models.CharField(max_length=100, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=["registry", "cohort"]), name="report_scope_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "succeeded", "failed"]),
                name="report_status_valid",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
            models.CheckConstraint(
                condition=Q(scope="registry") | Q(cohort_criteria__isnull=False),
                name="report_cohort_has_criteria",
            ),
            # Only succeeded reports carry results: no half report is ever stored as a result.
            models.CheckConstraint(
                condition=Q(status="succeeded") | Q(results__isnull=True),
                name="report_results_only_when_succeeded",
            ),
            # The lease: one pending or running report per set of parameters.
            models.UniqueConstraint(
                fields=["parameters_key"],
                condition=Q(status__in=["pending", "running"]),
                name="report_one_active_per_parameters",
            ),
        ]
        indexes = [
            # Dashboard: latest succeeded report of a scope/cohort; API filters by status.
            models.Index(fields=["status", "scope", "-finished_at"], name="report_status_finished_idx"),
            # Sweep: active reports whose lease expired.
            models.Index(
                fields=["lease_expires_at"],
                name="report_lease_idx",
                condition=Q(status__in=["pending", "running"]),
            ),
        ]

    def __str__(self) -> str:
        scope = f"cohort {self.cohort_id}" if self.scope == self.Scope.COHORT else "registry"
        return f"Outcome report {self.pk} ({scope}, cut-off {self.cut_off}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def wait_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.started_at - self.queued_at).total_seconds()

    @property
    def run_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
