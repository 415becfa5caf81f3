"""Saved cohort definitions (criteria validated by `outcomes.cohorts.criteria`)."""
from django.conf import settings
from django.db import models


class Cohort(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts")
    criteria = models.JSONField(default=dict, help_text="Validated by the cohort criteria serializer.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]
        indexes = [
            # "My cohorts" list in the API.
            models.Index(fields=["owner", "-updated_at"], name="cohort_owner_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name
