"""The data-quality report: findings filterable by rule with counts per rule, acknowledge with a reason,
and create the disease event an imaging study suggests in one step."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from registry.api.permissions import has_role
from registry.models import ImagingStudy
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.services import disease_event_create_from_imaging, findings_acknowledge
from registry.roles import COORDINATOR, REGISTRAR, REGISTRY_ADMIN


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why the finding is correct as recorded (no names or numbers).",
    )


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
            request,
            f"{refused} studies were skipped: their result suggests no event or the event would be "
            "refused (open the study to check its date and result).",
            messages.WARNING,
        )


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = (
        "rule",
        "state",
        "patient_link",
        "tumor_number",
        "detail",
        "first_found_at",
        "state_changed_by",
        "reason",
    )
    list_filter = ("rule", "state")
    list_select_related = ("patient", "tumor", "state_changed_by")
    search_fields = ("=patient__registry_number",)
    readonly_fields = (
        "rule",
        "patient",
        "tumor",
        "imaging_study",
        "molecular_test",
        "detail",
        "state",
        "first_found_at",
        "state_changed_at",
        "state_changed_by",
        "reason",
    )
    fields = readonly_fields
    actions = ("acknowledge", "create_event")
    change_list_template = "admin/quality/finding/change_list.html"
    change_form_template = "admin/quality/finding/change_form.html"

    class Media:
        css = {"all": ("registry/admin/object_tools.css",)}

    def has_module_permission(self, request):
        return has_role(
            request.user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN
        ) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN) and super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request):
        return False  # findings come from the rules only

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One grouped query: findings that still need attention, per rule.
        counts = dict(
            Finding.objects.exclude(state=FindingState.RESOLVED)
            .values_list("rule")
            .annotate(n=Count("id"))
            .values_list("rule", "n")
        )
        open_counts = dict(
            Finding.objects.filter(state=FindingState.OPEN)
            .values_list("rule")
            .annotate(n=Count("id"))
            .values_list("rule", "n")
        )
        rule_counts = [
            {
                "rule": rule,
                "label": label,
                "open": open_counts.get(rule, 0),
                "active": counts.get(rule, 0),
                "url": f"?rule__exact={rule}&state__exact={FindingState.OPEN}",
            }
            for rule, label in Rule.choices
        ]
        extra_context = {
            **(extra_context or {}),
            "rule_counts": rule_counts,
            "open_total": sum(open_counts.values()),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        own = [
            path(
                "<int:finding_id>/create-event/",
                self.admin_site.admin_view(require_POST(self.create_event_view)),
                name="quality_finding_create_event",
            )
        ]
        return own + super().get_urls()

    def may_create_event(self, request, finding) -> bool:
        return (
            finding.rule == Rule.IMAGING_EVENT_NOT_RECORDED
            and finding.state == FindingState.OPEN
            and finding.imaging_study_id is not None
            and has_role(request.user, REGISTRAR, REGISTRY_ADMIN)
            and self.has_change_permission(request, finding)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        finding = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_create_event": finding is not None and self.may_create_event(request, finding),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def create_event_view(self, request, finding_id):
        """The finding page's button: record the event its imaging study suggests, then back to the page."""
        if not has_role(request.user, REGISTRAR, REGISTRY_ADMIN) or not self.has_change_permission(request):
            raise PermissionDenied
        finding = get_object_or_404(Finding.objects.select_related("imaging_study"), pk=finding_id)
        back = reverse("admin:quality_finding_change", args=[finding.pk])
        if not self.may_create_event(request, finding):
            self.message_user(
                request,
                "This finding is not an open unrecorded event from imaging: nothing was created.",
                messages.WARNING,
            )
            return HttpResponseRedirect(back)
        try:
            event = disease_event_create_from_imaging(imaging_study=finding.imaging_study, user=request.user)
        except ValidationError as error:
            self.message_user(
                request, "The event was not created: " + " ".join(error.messages), messages.ERROR
            )
            return HttpResponseRedirect(back)
        self.message_user(
            request,
            f"{event.get_event_type_display().capitalize()} recorded from the imaging "
            "study; the finding is resolved.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(back)

    @admin.display(description="patient", ordering="patient__registry_number")
    def patient_link(self, finding):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:registry_patient_change", args=[finding.patient_id]),
            finding.patient.registry_number_display,
        )

    @admin.display(description="tumor")
    def tumor_number(self, finding):
        return finding.tumor.tumor_record_number if finding.tumor_id else "-"

    @admin.action(description="Acknowledge the selected findings (with a reason)", permissions=["change"])
    def acknowledge(self, request, queryset):
        if "apply" in request.POST:
            form = AcknowledgeForm(request.POST)
            if form.is_valid():
                changed = findings_acknowledge(
                    finding_ids=queryset.values_list("pk", flat=True),
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                self.message_user(request, f"{changed} findings acknowledged.", messages.SUCCESS)
                return None
        else:
            form = AcknowledgeForm()
        return TemplateResponse(
            request,
            "admin/quality/finding/acknowledge.html",
            {
                **self.admin_site.each_context(request),
                "title": "Acknowledge findings",
                "form": form,
                "findings": queryset.select_related("patient"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Create the disease event from the imaging study", permissions=["change"])
    def create_event(self, request, queryset):
        studies = ImagingStudy.objects.filter(
            pk__in=queryset.filter(rule=Rule.IMAGING_EVENT_NOT_RECORDED, imaging_study__isnull=False)
            .exclude(state=FindingState.RESOLVED)
            .values("imaging_study_id")
        ).select_related("tumor__patient")
        if not studies:
            self.message_user(
                request,
                "None of the selected findings is an unrecorded event from imaging.",
                messages.WARNING,
            )
            return
        create_events_from_studies(self, request, studies)
