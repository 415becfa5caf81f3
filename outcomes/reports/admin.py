"""Admin for outcome reports: read-only rows (results stay out of the page), an action that queues a run."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from outcomes.reports.models import OutcomeReport


@admin.register(OutcomeReport)
class OutcomeReportAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "scope",
        "cohort_id",
        "cut_off",
        "status",
        "progress",
        "attempt",
        "trigger",
        "queued_at",
        "finished_at",
        "short_fingerprint",
    )
    list_filter = ("status", "scope", "trigger")
    date_hierarchy = "queued_at"
    actions = ["queue_again"]
    exclude = ("results",)
    readonly_fields = (
        "scope",
        "cohort",
        "cohort_criteria",
        "cut_off",
        "endpoints",
        "strata",
        "parameters_key",
        "status",
        "attempt",
        "retry_of",
        "trigger",
        "requested_by",
        "progress",
        "queued_at",
        "started_at",
        "finished_at",
        "lease_expires_at",
        "fingerprint",
        "software_version",
        "tumors",
        "error_class",
        "error_message",
        "dashboard_link",
    )

    @admin.display(description="fingerprint")
    def short_fingerprint(self, report):
        return report.fingerprint[:12]

    @admin.display(description="dashboard")
    def dashboard_link(self, report):
        if report.status != OutcomeReport.Status.SUCCEEDED:
            return "-"
        return format_html(
            '<a href="{}?report={}">Open in the outcome dashboard</a>',
            reverse("outcome-dashboard"),
            report.pk,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("results")

    def has_add_permission(self, request):
        return False  # reports are queued by the action, the dashboard or the API

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Queue a new run with the same parameters", permissions=["queue"])
    def queue_again(self, request, queryset):
        # Imported here: the statistics stack (scipy) is heavy and not needed to render the admin.
        from outcomes.reports import services

        for report in queryset.select_related("cohort"):
            if report.scope == OutcomeReport.Scope.COHORT and report.cohort is None:
                self.message_user(request, f"Report {report.pk}: its cohort was deleted.", messages.WARNING)
                continue
            queued, created = services.report_request(
                cut_off=report.cut_off,
                cohort=report.cohort,
                endpoints=report.endpoints,
                strata=report.strata,
                requested_by=request.user,
                trigger=OutcomeReport.Trigger.ADMIN,
            )
            verb = "queued as" if created else "already active as"
            self.message_user(request, f"Report {report.pk}: {verb} report {queued.pk}.")

    def has_queue_permission(self, request):
        return request.user.has_perm("reports.add_outcomereport")
