"""Saved cohort definitions, the surrogate-key table of de-identified exports, and the export log."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Cohort(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts")
    criteria = models.JSONField(default=dict, help_text="Validated by the cohort criteria serializer.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]
        permissions = [
            # Granted to the Registry admin role only (DESIGN section 10); never to epidemiologists.
            ("export_identified", "Can export identified cohort bundles (names, MRN, dates)"),
        ]
        indexes = [
            # "My cohorts" list in the API.
            models.Index(fields=["owner", "-updated_at"], name="cohort_owner_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class SurrogateKey(models.Model):
    """A random pseudonym for a patient or tumor (45 CFR 164.514(c)): never derived from an identifier.

    Keys in the empty namespace are stable across linkable exports; unlinkable exports never store theirs.
    """

    class Kind(models.TextChoices):
        PATIENT = "patient", "Patient"
        TUMOR = "tumor", "Tumor"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    record_id = models.BigIntegerField(help_text="Primary key of the patient or tumor.")
    namespace = models.CharField(max_length=40, blank=True, default="", help_text="Empty for linkable keys.")
    key = models.CharField(max_length=24, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "namespace", "record_id"], name="surrogatekey_one_per_record"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["patient", "tumor"]), name="surrogatekey_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} key {self.key}"


class ExportLog(models.Model):
    """One row per export bundle; written by the export service only, editable by nobody."""

    class Status(models.TextChoices):
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    cohort_name = models.CharField(max_length=200, blank=True)
    criteria = models.JSONField(default=dict)
    criteria_fingerprint = models.CharField(max_length=64)
    cut_off = models.DateField()
    file_format = models.CharField(max_length=8)
    deidentified = models.BooleanField(default=True)
    linkable = models.BooleanField(default=True)
    row_counts = models.JSONField(default=dict)
    checksums = models.JSONField(default=dict, help_text="sha256 of each file in the bundle.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    error_class = models.CharField(
        max_length=100, blank=True, help_text="Exception class only, never its text."
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["started", "completed", "failed"]), name="exportlog_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["csv", "parquet"]), name="exportlog_file_format_valid"
            ),
        ]
        indexes = [
            # Admin review of the log, newest first.
            models.Index(fields=["-started_at"], name="exportlog_started_idx"),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.get_status_display()})"
