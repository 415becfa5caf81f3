"""The registrar's workbench: admin pages for abstracting the record, with history and role limits.

Roles (DESIGN section 10): registrars and registry admins edit everything; coordinators change imaging and
a patient's follow-up and contact fields only; epidemiologists get no admin page of the record at all.
Every form runs the model's field-keyed clean(), also for inline rows of a parent that is not saved yet.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from registry import lists
from registry.api.permissions import has_role
from registry.assignments import patients_assign_coordinator
from registry.coding import topography_choices
from registry.history_admin import AuditHistoryAdmin
from registry.models import (
    DiseaseEvent,
    ImagingStudy,
    ImportReview,
    Institution,
    MolecularTest,
    Patient,
    Presentation,
    Surgery,
    Treatment,
    Tumor,
)
from registry.quality.models import Finding, FindingState, Rule
from registry.roles import COORDINATOR, REGISTRAR, REGISTRY_ADMIN
from registry.vocabularies import IMT_HISTOLOGY, Margin, MetastaticSite

# Typed dates: a plain text box in ISO form, no calendar to page through year by year.
TYPED_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"placeholder": "YYYY-MM-DD", "size": 10})

# What a coordinator may change on a patient: follow-up and contact details (DESIGN section 10).
COORDINATOR_PATIENT_FIELDS = (
    "follow_up_status",
    "date_of_last_contact",
    "date_of_last_contact_precision",
    "phone",
    "email",
    "guardian_name",
    "guardian_phone",
)


def edits_clinical_data(user) -> bool:
    return has_role(user, REGISTRAR, REGISTRY_ADMIN)


def is_coordinator_only(user) -> bool:
    return has_role(user, COORDINATOR) and not edits_clinical_data(user)


def sees_record(user) -> bool:
    """Pages of the record show identifiers: never to a user without an identified role."""
    return has_role(user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN)


class RecordForm(forms.ModelForm):
    """Keeps every message of the model's clean() on a field the user sees.

    A model error keyed by a field that is not on the form (read-only for this role, or derived) would
    make Django raise instead of showing it; such messages go to the top of the form, with the field's name.
    """

    parent_record = None
    parent_fk_name = None

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list] = {}
            for field, field_errors in errors.error_dict.items():
                if field != NON_FIELD_ERRORS and field not in self.fields:
                    label = (
                        self._meta.model._meta.get_field(field).verbose_name
                        if _is_model_field(self._meta.model, field)
                        else field
                    )
                    messages_ = [f"{label.capitalize()}: {m}" for e in field_errors for m in e.messages]
                    remapped.setdefault(NON_FIELD_ERRORS, []).extend(messages_)
                else:
                    remapped.setdefault(field, []).extend(field_errors)
            errors = ValidationError(remapped)
        super()._update_errors(errors)

    def _post_clean(self):
        super()._post_clean()
        parent = self.parent_record
        if parent is None or parent.pk is not None or not self.has_changed():
            return
        # The parent is new: the model's clean() skipped the rules that need it (surgery before
        # diagnosis, ...). Run them against the parent as typed so far.
        try:
            type(self.instance).clean(_WithUnsavedParent(self.instance, self.parent_fk_name, parent))
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                target = field if field in self.fields else None
                already = self.errors.get(target or NON_FIELD_ERRORS, [])
                new = [m for m in field_messages if m not in already]
                if new:
                    self.add_error(target, new)


def _is_model_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


class _WithUnsavedParent:
    """A view of a child record whose parent is not saved yet, for the model's clean() rules.

    The rules look for the parent through `<fk>_id`; this view answers with a placeholder id and the
    unsaved parent object, and everything else from the record itself.
    """

    def __init__(self, record, fk_name: str, parent):
        self.__dict__["_record"], self.__dict__["_fk"], self.__dict__["_parent"] = record, fk_name, parent

    def __getattr__(self, name):
        if name == self._fk:
            return self._parent
        if name == f"{self._fk}_id":
            return -1
        return getattr(self._record, name)


class ParentAwareFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.parent_record, form.parent_fk_name = self.instance, self.fk.name
        return form


class RecordAdminMixin:
    """Typed dates, labelled codes, and no page of the record for a user without an identified role."""

    form = RecordForm
    formfield_overrides = {models.DateField: {"widget": TYPED_DATE}}

    def has_view_permission(self, request, obj=None):
        return sees_record(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return sees_record(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return sees_record(request.user) and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return sees_record(request.user) and super().has_delete_permission(request, obj)

    def has_module_permission(self, request):
        return sees_record(request.user) and super().has_module_permission(request)


class RecordInline(RecordAdminMixin):
    formset = ParentAwareFormSet
    extra = 0


class MetastaticSitesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None), kwargs.pop("decoder", None), kwargs.pop("max_length", None)
        super().__init__(choices=MetastaticSite.choices, required=False, **kwargs)


class TumorForm(RecordForm):
    primary_site = forms.ChoiceField(label="Primary site (ICD-O-3 topography)", choices=())
    histology = forms.TypedChoiceField(
        label="Histology (ICD-O-3)",
        coerce=int,
        choices=[(IMT_HISTOLOGY, "8825 Inflammatory myofibroblastic tumor")],
        initial=IMT_HISTOLOGY,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_site"].choices = [("", "---------"), *topography_choices()]


class DiseaseEventForm(RecordForm):
    metastatic_sites = MetastaticSitesField(label="Metastatic sites")


# ------------------------------------------------------------------------------------------------
# Inlines of the tumor page
# ------------------------------------------------------------------------------------------------


class PresentationInline(RecordInline, admin.StackedInline):
    model = Presentation
    fieldsets = (
        (None, {"fields": ("detection",)}),
        ("Symptoms at diagnosis", {"fields": (Presentation.SYMPTOM_FIELDS,)}),
        (
            "Inflammatory laboratory picture",
            {"fields": (("crp_mg_l", "esr_mm_h", "hemoglobin_g_dl", "platelets_10e9_l"),)},
        ),
    )


class SurgeryInline(RecordInline, admin.TabularInline):
    model = Surgery
    fields = ("date", "date_precision", "extent", "margin")


class MolecularTestInline(RecordInline, admin.TabularInline):
    model = MolecularTest
    fields = (
        "specimen_date",
        "specimen_date_precision",
        "gene",
        "method",
        "ihc_clone",
        "result",
        "nuclei_counted",
        "nuclei_rearranged",
        "fusion_partner",
    )

    class Media:
        css = {"all": ("registry/admin/molecular_tests_inline.css",)}


class TreatmentInline(RecordInline, admin.TabularInline):
    model = Treatment
    fields = (
        "category",
        "agent",
        "start_date",
        "start_date_precision",
        "end_date",
        "end_date_precision",
        "intent",
        "end_reason",
        "best_response",
    )


class ImagingStudyInline(RecordInline, admin.TabularInline):
    model = ImagingStudy
    fields = ("date", "date_precision", "purpose", "modality", "region", "result")
    show_change_link = True


class DiseaseEventInline(RecordInline, admin.TabularInline):
    model = DiseaseEvent
    form = DiseaseEventForm
    fields = ("event_type", "date", "date_precision", "basis", "metastatic_sites", "source_imaging")
    autocomplete_fields = ("source_imaging",)


class TumorInline(RecordInline, admin.TabularInline):
    model = Tumor
    form = TumorForm
    fields = (
        "date_of_diagnosis",
        "date_of_diagnosis_precision",
        "primary_site",
        "histology",
        "behavior",
        "variant",
        "size_mm",
        "size_code",
    )
    show_change_link = True


class FindingInline(admin.TabularInline):
    """The patient's findings that still need attention (open or acknowledged)."""

    model = Finding
    fields = ("rule", "tumor", "detail", "state", "reason", "finding_link")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Data-quality findings (open and acknowledged)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .exclude(state=FindingState.RESOLVED)
            .select_related("tumor__patient")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="")
    def finding_link(self, finding):
        return format_html(
            '<a href="{}">open</a>', reverse("admin:quality_finding_change", args=[finding.pk])
        )


# ------------------------------------------------------------------------------------------------
# Patient
# ------------------------------------------------------------------------------------------------

COORDINATOR_AUTOCOMPLETE_PAGE = 20


def coordinator_choices():
    return get_user_model().objects.filter(groups__name=COORDINATOR, is_active=True).order_by("username")


def coordinator_label(user) -> str:
    full_name = user.get_full_name()
    return f"{user.username} ({full_name})" if full_name else user.username


class CoordinatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return coordinator_label(obj)


class CoordinatorAutocompleteSelect(AutocompleteSelect):
    """Django admin's select2 box, fed by the patient admin's own coordinator search.

    The admin's generic autocomplete would need the user admin's view permission (the whole user list);
    this one answers only with active coordinators, to registrars and registry admins.
    """

    url_name = "%s:registry_patient_coordinator_autocomplete"


class AssignCoordinatorForm(forms.Form):
    coordinator = CoordinatorChoiceField(queryset=get_user_model().objects.none())

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["coordinator"]
        field.queryset = coordinator_choices()
        if admin_site is not None:
            field.widget = CoordinatorAutocompleteSelect(Patient._meta.get_field("coordinator"), admin_site)
            field.widget.choices, field.widget.is_required = field.choices, True


@admin.register(Patient)
class PatientAdmin(RecordAdminMixin, AuditHistoryAdmin):
    list_display = (
        "registry_number_display",
        "last_name",
        "first_name",
        "medical_record_number",
        "institution",
        "vital_status",
        "follow_up_status",
        "consent_status",
        "coordinator",
        "open_findings",
    )
    list_display_links = ("registry_number_display", "last_name")
    list_select_related = ("institution", "coordinator")
    list_filter = (
        "tumors__site_group",
        "tumors__alk_status",
        "vital_status",
        "follow_up_status",
        "consent_status",
        "institution",
        "coordinator",
    )
    ordering = ("registry_number",)
    search_fields = ("=registry_number", "medical_record_number", "last_name", "first_name")
    autocomplete_fields = ("institution",)
    readonly_fields = ("registry_number_display", "last_contact")
    inlines = (TumorInline, FindingInline)
    actions = ("assign_coordinator",)
    fieldsets = (
        (
            "Identity",
            {
                "fields": (
                    "registry_number_display",
                    ("institution", "medical_record_number"),
                    ("source_registry", "source_patient_id"),
                    ("last_name", "first_name"),
                    ("date_of_birth", "date_of_birth_precision"),
                    "sex",
                    "race",
                    "hispanic_origin",
                )
            },
        ),
        (
            "Vital status",
            {"fields": ("vital_status", ("date_of_death", "date_of_death_precision"), "cause_of_death")},
        ),
        (
            "Follow-up",
            {
                "fields": (
                    ("date_of_last_contact", "date_of_last_contact_precision"),
                    "last_contact",
                    "follow_up_status",
                    "consent_status",
                    "coordinator",
                )
            },
        ),
        ("Contact details", {"fields": (("phone", "email"), ("guardian_name", "guardian_phone"))}),
    )

    def get_queryset(self, request):
        return lists.patient_list(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        if is_coordinator_only(request.user):
            every = [
                name
                for fieldset in self.fieldsets
                for row in fieldset[1]["fields"]
                for name in (row if isinstance(row, tuple) else (row,))
            ]
            return [name for name in every if name not in COORDINATOR_PATIENT_FIELDS]
        return self.readonly_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not edits_clinical_data(request.user):
            actions.pop("assign_coordinator", None)
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "coordinator":
            kwargs["queryset"] = coordinator_choices()
            kwargs["form_class"] = CoordinatorChoiceField
            kwargs["widget"] = CoordinatorAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        own = [
            path(
                "coordinator-autocomplete/",
                self.admin_site.admin_view(self.coordinator_autocomplete_view),
                name="registry_patient_coordinator_autocomplete",
            )
        ]
        return own + super().get_urls()

    def coordinator_autocomplete_view(self, request):
        """Active coordinators whose username or name contains ?term=, a page at a time, in select2's
        JSON shape. One query per page: a row beyond the page tells whether there is more."""
        if not edits_clinical_data(request.user):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()
        try:
            page = max(int(request.GET.get("page", 1)), 1)
        except ValueError:
            page = 1
        users = coordinator_choices()
        for word in term.split():
            users = users.filter(
                Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
            )
        start = (page - 1) * COORDINATOR_AUTOCOMPLETE_PAGE
        rows = list(
            users.only("id", "username", "first_name", "last_name")[
                start : start + COORDINATOR_AUTOCOMPLETE_PAGE + 1
            ]
        )
        return JsonResponse(
            {
                "results": [
                    {"id": str(user.pk), "text": coordinator_label(user)}
                    for user in rows[:COORDINATOR_AUTOCOMPLETE_PAGE]
                ],
                "pagination": {"more": len(rows) > COORDINATOR_AUTOCOMPLETE_PAGE},
            }
        )

    @admin.display(description="registry number", ordering="registry_number")
    def registry_number_display(self, patient):
        return patient.registry_number_display

    @admin.display(description="open findings", ordering="open_finding_count")
    def open_findings(self, patient):
        return patient.open_finding_count

    @admin.action(description="Assign a coordinator to the selected patients", permissions=["change"])
    def assign_coordinator(self, request, queryset):
        if "apply" in request.POST:
            form = AssignCoordinatorForm(request.POST, admin_site=self.admin_site)
            if form.is_valid():
                changed = patients_assign_coordinator(
                    patient_ids=queryset.values_list("pk", flat=True),
                    coordinator=form.cleaned_data["coordinator"],
                    changed_by=request.user,
                )
                self.message_user(request, f"Coordinator assigned to {changed} patients.", messages.SUCCESS)
                return None
        else:
            form = AssignCoordinatorForm(admin_site=self.admin_site)
        return TemplateResponse(
            request,
            "admin/registry/patient/assign_coordinator.html",
            {
                **self.admin_site.each_context(request),
                "title": "Assign a coordinator",
                "form": form,
                "media": self.media + form.media,
                "patients": queryset.select_related(None).only("registry_number"),
                "count": queryset.count(),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# ------------------------------------------------------------------------------------------------
# Tumor
# ------------------------------------------------------------------------------------------------


class MarginFilter(admin.SimpleListFilter):
    """The margin NAACCR 1320 reports: of the definitive resection, else of the last resection."""

    title = "margin"
    parameter_name = "margin"

    def lookups(self, request, model_admin):
        return [*Margin.choices, ("none", "No resection")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(margin_of_record__isnull=True)
        if self.value() in Margin.values:
            return queryset.filter(margin_of_record=self.value())
        return queryset


@admin.register(Tumor)
class TumorAdmin(RecordAdminMixin, AuditHistoryAdmin):
    form = TumorForm
    list_display = (
        "__str__",
        "patient_number",
        "date_of_diagnosis",
        "age_at_diagnosis",
        "primary_site",
        "site_group",
        "alk_status",
        "margin",
        "last_disease_assessment",
        "open_findings",
    )
    list_select_related = ("patient",)
    list_filter = (
        "site_group",
        "alk_status",
        MarginFilter,
        "patient__vital_status",
        "patient__follow_up_status",
        "patient__consent_status",
        "patient__institution",
        "patient__coordinator",
    )
    search_fields = (
        "=patient__registry_number",
        "patient__medical_record_number",
        "patient__last_name",
        "patient__first_name",
    )
    autocomplete_fields = ("patient",)
    readonly_fields = (
        "site_group",
        "alk_status",
        "ros1_status",
        "ntrk_status",
        "fusion_status",
        "definitive_resection",
        "last_disease_assessment",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "patient",
                    ("date_of_diagnosis", "date_of_diagnosis_precision"),
                    "basis_of_diagnosis",
                    "sequence_number",
                )
            },
        ),
        (
            "Primary site and histology",
            {"fields": ("primary_site", "site_group", "laterality", ("histology", "behavior"), "variant")},
        ),
        ("Extent", {"fields": (("size_mm", "size_code"), "multifocal", "metastatic_at_diagnosis")}),
        (
            "Derived",
            {
                "fields": (
                    ("alk_status", "ros1_status", "ntrk_status", "fusion_status"),
                    "definitive_resection",
                    "last_disease_assessment",
                )
            },
        ),
    )
    inlines = (
        PresentationInline,
        SurgeryInline,
        MolecularTestInline,
        TreatmentInline,
        ImagingStudyInline,
        DiseaseEventInline,
    )

    def get_queryset(self, request):
        return lists.tumor_list(super().get_queryset(request))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("histology", IMT_HISTOLOGY)
        return initial

    @admin.display(description="patient", ordering="patient__registry_number")
    def patient_number(self, tumor):
        return tumor.patient.registry_number_display

    @admin.display(description="age at diagnosis")
    def age_at_diagnosis(self, tumor):
        age = tumor.age_at_diagnosis()  # patient is select_related: no query per row
        return f"{age:.1f}" if age is not None else "-"

    @admin.display(description="margin", ordering="margin_of_record")
    def margin(self, tumor):
        return tumor.margin_of_record or "-"

    @admin.display(description="open findings", ordering="open_finding_count")
    def open_findings(self, tumor):
        return tumor.open_finding_count


# ------------------------------------------------------------------------------------------------
# The tumor's records on their own pages (history, autocomplete, the coordinator's imaging entry)
# ------------------------------------------------------------------------------------------------


class TumorRecordAdmin(RecordAdminMixin, AuditHistoryAdmin):
    list_select_related = ("tumor__patient",)
    autocomplete_fields = ("tumor",)
    search_fields = ("=tumor__patient__registry_number", "tumor__patient__medical_record_number")

    @admin.display(description="patient", ordering="tumor__patient__registry_number")
    def patient_number(self, record):
        return record.tumor.patient.registry_number_display


class ImagingImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text=(
            "Header row: registry_number, tumor_record_number (optional with one tumor), date (YYYY-MM-DD, "
            "YYYY-MM or YYYY), purpose, modality, region (optional), result (optional); codes or labels."
        ),
    )


@admin.register(ImagingStudy)
class ImagingStudyAdmin(TumorRecordAdmin):
    list_display = ("__str__", "patient_number", "date", "purpose", "result")
    list_filter = ("purpose", "modality", "result")
    actions = ("create_events",)
    change_list_template = "admin/registry/imagingstudy/change_list.html"

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="registry_imagingstudy_import")
        ]
        return own + super().get_urls()

    def import_view(self, request):
        """Upload a CSV/XLSX of studies: Preview is a dry run, Import writes (all or nothing). The file is
        read from the request and never kept: for the real import the user chooses it again."""
        from registry.imports.imaging_table import ImagingTableError, imaging_import

        if not self.has_add_permission(request):
            raise PermissionDenied
        form, report, file_error = ImagingImportForm(), None, None
        if request.method == "POST":
            form = ImagingImportForm(request.POST, request.FILES)
            if form.is_valid():
                dry_run = "import" not in request.POST
                try:
                    report = imaging_import(
                        data=form.cleaned_data["file"].read(), user=request.user, dry_run=dry_run
                    )
                except ImagingTableError as error:
                    file_error = f"{error} Nothing was written."
                if report and report.written:
                    self.message_user(request, report.summary(), messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "file_error": file_error,
            "title": "Import imaging studies",
        }
        return TemplateResponse(request, "admin/registry/imagingstudy/import.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not edits_clinical_data(request.user):
            actions.pop("create_events", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The finding page carries the button that creates the event (registrar and admin only).
        finding = (
            Finding.objects.filter(
                rule=Rule.IMAGING_EVENT_NOT_RECORDED,
                imaging_study_id=object_id,
                state=FindingState.OPEN,
            )
            .only("pk")
            .first()
            if str(object_id).isdigit()
            else None
        )
        extra_context = {**(extra_context or {}), "unrecorded_event_finding": finding}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Create the disease event each selected study suggests")
    def create_events(self, request, queryset):
        from registry.quality.admin import create_events_from_studies

        create_events_from_studies(self, request, queryset)


@admin.register(DiseaseEvent)
class DiseaseEventAdmin(TumorRecordAdmin):
    form = DiseaseEventForm
    list_display = ("__str__", "patient_number", "date", "basis", "source_imaging")
    list_select_related = ("tumor__patient", "source_imaging")
    list_filter = ("event_type", "basis")
    autocomplete_fields = ("tumor", "source_imaging")


@admin.register(Surgery)
class SurgeryAdmin(TumorRecordAdmin):
    list_display = ("__str__", "patient_number", "date", "extent", "margin")
    list_filter = ("extent", "margin")


@admin.register(MolecularTest)
class MolecularTestAdmin(TumorRecordAdmin):
    list_display = ("__str__", "patient_number", "specimen_date", "gene", "method", "result")
    list_filter = ("gene", "method", "result")


@admin.register(Treatment)
class TreatmentAdmin(TumorRecordAdmin):
    list_display = ("__str__", "patient_number", "start_date", "category", "intent")
    list_filter = ("category", "intent")


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(ImportReview)
class ImportReviewAdmin(admin.ModelAdmin):
    """The NAACCR import's review list (8825/3): read-only; a registrar can reject an entry."""

    list_display = (
        "source_registry",
        "source_patient_id",
        "source_tumor_record_number",
        "reason",
        "status",
        "created_at",
    )
    list_filter = ("status", "source_registry")
    readonly_fields = (
        "source_registry",
        "source_patient_id",
        "source_tumor_record_number",
        "reason",
        "items",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
    )
    actions = ("reject",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Reject the selected entries", permissions=["change"])
    def reject(self, request, queryset) -> None:
        from registry.imports.reviews import import_reviews_reject

        count = import_reviews_reject(
            review_ids=list(queryset.values_list("pk", flat=True)), user=request.user
        )
        self.message_user(request, f"{count} review entries rejected.", messages.SUCCESS)
