"""The data-quality report: findings filterable by rule with counts per rule, acknowledge with a reason,
and create the disease event an imaging study suggests in one step."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from registry.api.permissions import has_role
from registry.models import ImagingStudy
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.services import disease_event_create_from_imaging, findings_acknowledge
from registry.roles import COORDINATOR, REGISTRAR, REGISTRY_ADMIN


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                             help_text="Why the finding is correct as recorded (no names or numbers).")


def create_events_from_studies(model_admin, request, studies) -> None:
    """Admin step shared by the findings report and the imaging study list."""
    created, refused = 0, 0
    for study in studies:
        try:
            disease_event_create_from_imaging(imaging_study=study, user=request.user)
            created += 1
        except ValidationError:
            refused += 1
    if created:
        model_admin.message_user(request, f"{created} disease events created from imaging.", messages.SUCCESS)
    if refused:
        model_admin.message_user(
            request, f"{refused} studies were skipped: their result suggests no event or the event would be "
                     "refused (open the study to check its date and result).", messages.WARNING)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("rule", "state", "patient_link", "tumor_number", "detail", "first_found_at",
                    "state_changed_by", "reason")
    list_filter = ("rule", "state")
    list_select_related = ("patient", "tumor", "state_changed_by")
    search_fields = ("=patient__registry_number",)
    readonly_fields = ("rule", "patient", "tumor", "imaging_study", "molecular_test", "detail", "state",
                       "first_found_at", "state_changed_at", "state_changed_by", "reason")
    fields = readonly_fields
    actions = ("acknowledge", "create_event")
    change_list_template = "admin/quality/finding/change_list.html"

    def has_module_permission(self, request):
        return has_role(request.user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN) and super().has_view_permission(
            request, obj)

    def has_add_permission(self, request):
        return False  # findings come from the rules only

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One grouped query: findings that still need attention, per rule.
        counts = dict(Finding.objects.exclude(state=FindingState.RESOLVED).values_list("rule").annotate(
            n=Count("id")).values_list("rule", "n"))
        open_counts = dict(Finding.objects.filter(state=FindingState.OPEN).values_list("rule").annotate(
            n=Count("id")).values_list("rule", "n"))
        rule_counts = [
            {"rule": rule, "label": label, "open": open_counts.get(rule, 0), "active": counts.get(rule, 0),
             "url": f"?rule__exact={rule}&state__exact={FindingState.OPEN}"}
            for rule, label in Rule.choices
        ]
        extra_context = {**(extra_context or {}), "rule_counts": rule_counts,
                         "open_total": sum(open_counts.values())}
        return super().changelist_view(request, extra_context)

    @admin.display(description="patient", ordering="patient__registry_number")
    def patient_link(self, finding):
        return format_html('<a href="{}">{}</a>', reverse("admin:registry_patient_change", args=[finding.patient_id]),
                           finding.patient.registry_number_display)

    @admin.display(description="tumor")
    def tumor_number(self, finding):
        return finding.tumor.tumor_record_number if finding.tumor_id else "-"

    @admin.action(description="Acknowledge the selected findings (with a reason)", permissions=["change"])
    def acknowledge(self, request, queryset):
        if "apply" in request.POST:
            form = AcknowledgeForm(request.POST)
            if form.is_valid():
                changed = findings_acknowledge(finding_ids=queryset.values_list("pk", flat=True),
                                               user=request.user, reason=form.cleaned_data["reason"])
                self.message_user(request, f"{changed} findings acknowledged.", messages.SUCCESS)
                return None
        else:
            form = AcknowledgeForm()
        return TemplateResponse(request, "admin/quality/finding/acknowledge.html", {
            **self.admin_site.each_context(request),
            "title": "Acknowledge findings",
            "form": form,
            "findings": queryset.select_related("patient"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Create the disease event from the imaging study", permissions=["change"])
    def create_event(self, request, queryset):
        studies = ImagingStudy.objects.filter(
            pk__in=queryset.filter(rule=Rule.IMAGING_EVENT_NOT_RECORDED, imaging_study__isnull=False)
            .exclude(state=FindingState.RESOLVED).values("imaging_study_id")
        ).select_related("tumor__patient")
        if not studies:
            self.message_user(request, "None of the selected findings is an unrecorded event from imaging.",
                              messages.WARNING)
            return
        create_events_from_studies(self, request, studies)
