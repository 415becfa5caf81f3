"""Admin: the registry-file export log, read-only for everyone (the export service alone writes it)."""
from django.contrib import admin

from outcomes.interop.models import InteropExportLog


@admin.register(InteropExportLog)
class InteropExportLogAdmin(admin.ModelAdmin):
    list_display = ("started_at", "user", "file_format", "identified", "patient_count", "tumor_count", "status")
    list_filter = ("status", "identified", "file_format")
    list_select_related = ("user",)
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
