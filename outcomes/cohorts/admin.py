"""Admin: cohorts (read and manage), the export log and key table read-only for everyone."""

from django.contrib import admin

from outcomes.cohorts.models import Cohort, ExportLog, SurrogateKey
from registry.admin_base import ReadOnlyAdminMixin


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "updated_at")
    list_select_related = ("owner",)
    search_fields = ("name",)
    # Criteria change through the API only, where the typed serializer validates them.
    readonly_fields = ("criteria", "created_at", "updated_at")


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Nobody adds, changes or deletes these rows; the export service alone writes them."""


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "user",
        "cohort_name",
        "cut_off",
        "file_format",
        "deidentified",
        "status",
        "tumor_rows",
    )
    list_filter = ("status", "deidentified", "file_format")
    list_select_related = ("user",)
    date_hierarchy = "started_at"

    @admin.display(description="tumor rows")
    def tumor_rows(self, log):
        return (log.row_counts or {}).get("tumors")


@admin.register(SurrogateKey)
class SurrogateKeyAdmin(ReadOnlyAdmin):
    list_display = ("kind", "record_id", "key", "created_at")
    list_filter = ("kind",)
    search_fields = ("key",)
