"""Admin: the registry-file export log, read-only for everyone (the export service alone writes it)."""

from django.contrib import admin

from outcomes.interop.models import InteropExportLog
from registry.admin_base import ReadOnlyAdminMixin


@admin.register(InteropExportLog)
class InteropExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "user",
        "file_format",
        "identified",
        "patient_count",
        "tumor_count",
        "status",
    )
    list_filter = ("status", "identified", "file_format")
    list_select_related = ("user",)
    date_hierarchy = "started_at"
