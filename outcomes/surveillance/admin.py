"""Admin: plans with phase and modality inlines (editable by admins), per-patient overrides with history,
read-only items and reminder rows, and a 'Worklist' entry on the admin index that opens the worklist."""

from django.contrib import admin
from django.shortcuts import redirect
from django.utils import timezone

from outcomes.surveillance import services
from outcomes.surveillance.models import (
    PlanModality,
    PlanOverride,
    PlanPhase,
    Reminder,
    SurveillanceItem,
    SurveillancePlan,
    Worklist,
)
from registry.admin_base import ReadOnlyAdminMixin
from registry.history_admin import AuditHistoryAdmin


class PlanPhaseInline(admin.TabularInline):
    model = PlanPhase
    extra = 0


class PlanModalityInline(admin.TabularInline):
    model = PlanModality
    extra = 0


@admin.register(SurveillancePlan)
class SurveillancePlanAdmin(AuditHistoryAdmin):
    list_display = ("name", "code", "intensity")
    inlines = [PlanPhaseInline, PlanModalityInline]


@admin.register(PlanOverride)
class PlanOverrideAdmin(AuditHistoryAdmin):
    list_display = ("patient", "plan", "set_by", "set_at")
    list_select_related = ("patient", "plan", "set_by")
    raw_id_fields = ("patient",)
    readonly_fields = ("set_by", "set_at")

    def save_model(self, request, obj, form, change):
        services.plan_override_set(
            patient_id=obj.patient_id,
            plan_id=obj.plan_id,
            reason=obj.reason,
            user=request.user,
            as_of=timezone.localdate(),
        )

    def delete_model(self, request, obj):
        services.plan_override_set(
            patient_id=obj.patient_id, plan_id=None, reason="", user=request.user, as_of=timezone.localdate()
        )


@admin.register(SurveillanceItem)
class SurveillanceItemAdmin(ReadOnlyAdminMixin, AuditHistoryAdmin):
    """Read-only: actions go through the worklist, which keeps the schedule consistent."""

    list_display = ("patient", "due_date", "state", "modality", "plan", "scheduled_date")
    list_filter = ("state", "plan")
    list_select_related = ("patient", "plan")
    date_hierarchy = "due_date"


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = (
        "patient",
        "due_date",
        "stage",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "message_id",
    )
    list_filter = ("status", "stage")
    list_select_related = ("patient",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Worklist)
class WorklistLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def changelist_view(self, request, extra_context=None):
        return redirect("surveillance:worklist")

    def has_view_permission(self, request, obj=None):
        from outcomes.surveillance.selectors import can_read_worklist

        return can_read_worklist(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)
