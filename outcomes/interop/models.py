"""The log of registry-file exports (NAACCR XML, FHIR NDJSON): who exported what, when, and the file's checksum.

Written by `outcomes.interop.services` only; nobody edits it (DESIGN sections 9 and 10).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class InteropExportLog(models.Model):
    """One row per registry-file export, opened before the first byte and closed whatever happens."""

    class Status(models.TextChoices):
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        NAACCR_XML = "naaccr-xml", "NAACCR XML"
        FHIR_BUNDLE = "fhir-bundle", "FHIR R4B (mCODE) NDJSON"

    # Null for exports run from the command line without a named user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interop_exports",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_format = models.CharField(max_length=12, choices=Format.choices, default=Format.NAACCR_XML)
    identified = models.BooleanField(help_text="Names and MRN included.")
    patient_count = models.PositiveIntegerField(default=0)
    tumor_count = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Checksum of the file as sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    error_class = models.CharField(
        max_length=100, blank=True, help_text="Exception class only, never its text."
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        default_permissions = ("view",)
        verbose_name = "registry-file export log entry"
        verbose_name_plural = "registry-file export log"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["started", "completed", "failed"]),
                name="interopexportlog_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["naaccr-xml", "fhir-bundle"]),
                name="interopexportlog_file_format_valid",
            ),
        ]
        indexes = [
            # Admin review of the log, newest first.
            models.Index(fields=["-started_at"], name="interopexportlog_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_file_format_display()} export {self.pk} ({self.get_status_display()})"
