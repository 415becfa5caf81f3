"""REST API of outcome reports: list, read (full or released by role), queue a run, plot a stored table."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from outcomes.analysis import ENDPOINTS
from outcomes.cohorts.models import Cohort
from outcomes.estimates import STRATUM_NAMES
from outcomes.reports import selectors, services
from outcomes.reports.models import OutcomeReport
from registry.api.permissions import ReadsOutcomeReports, sees_full_reports
from registry.api.serializers import ErrorSerializer


class ReportSummarySerializer(serializers.ModelSerializer):
    cohort = serializers.PrimaryKeyRelatedField(read_only=True)
    wait_seconds = serializers.FloatField(read_only=True, allow_null=True)
    run_seconds = serializers.FloatField(read_only=True, allow_null=True)
    released = serializers.SerializerMethodField()

    class Meta:
        model = OutcomeReport
        fields = [
            "id",
            "scope",
            "cohort",
            "cohort_criteria",
            "cut_off",
            "endpoints",
            "strata",
            "status",
            "attempt",
            "retry_of",
            "trigger",
            "progress",
            "queued_at",
            "started_at",
            "finished_at",
            "wait_seconds",
            "run_seconds",
            "fingerprint",
            "software_version",
            "tumors",
            "error_class",
            "error_message",
            "released",
        ]
        read_only_fields = fields

    def get_released(self, report) -> bool:
        return not sees_full_reports(self.context["request"].user)

    def to_representation(self, report):
        data = super().to_representation(report)
        if data["released"] and isinstance(report.tumors, int) and 1 <= report.tumors < _k():
            data["tumors"] = None  # a small cohort's size is a small cell too
        return data


def _k() -> int:
    from django.conf import settings

    return settings.SMALL_CELL_THRESHOLD


class ReportDetailSerializer(ReportSummarySerializer):
    results = serializers.SerializerMethodField()

    class Meta(ReportSummarySerializer.Meta):
        fields = [*ReportSummarySerializer.Meta.fields, "results"]
        read_only_fields = fields

    def get_results(self, report) -> dict | None:
        return selectors.report_results_for(self.context["request"].user, report)


class ReportRequestSerializer(serializers.Serializer):
    cut_off = serializers.DateField(required=False, help_text="Data cut-off date (default today).")
    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.all(), required=False, allow_null=True
    )
    endpoints = serializers.ListField(
        child=serializers.ChoiceField(choices=ENDPOINTS), required=False, allow_empty=False
    )
    strata = serializers.ListField(
        child=serializers.ChoiceField(choices=STRATUM_NAMES), required=False, allow_empty=False
    )

    def validate_cohort(self, cohort):
        # Cohorts belong to epidemiologists (their own) and admins (all); registrars have none.
        from outcomes.cohorts.selectors import cohorts_visible_to

        if (
            cohort is not None
            and not cohorts_visible_to(self.context["request"].user).filter(pk=cohort.pk).exists()
        ):
            raise serializers.ValidationError("No such cohort among yours.")
        return cohort

    def validate_cut_off(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("The cut-off cannot be after today.")
        return value


class PlotQuerySerializer(serializers.Serializer):
    endpoint = serializers.ChoiceField(choices=ENDPOINTS)
    stratum = serializers.ChoiceField(choices=STRATUM_NAMES, default="all")
    kind = serializers.ChoiceField(choices=selectors.PLOT_KINDS, default="km")


class ReportFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OutcomeReport.Status.choices)
    cohort = filters.NumberFilter(field_name="cohort_id")

    class Meta:
        model = OutcomeReport
        fields = ["status", "cohort"]


ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404)}


@extend_schema_view(
    list=extend_schema(
        summary="List outcome reports (newest first)",
        responses={200: ReportSummarySerializer, 401: ErrorSerializer, 403: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="Read one report: full figures for registrars and admins, released "
        "figures (small cells hidden) for epidemiologists",
        responses={200: ReportDetailSerializer, **ERRORS},
    ),
)
class OutcomeReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ReadsOutcomeReports]
    filterset_class = ReportFilter
    ordering_fields = ["queued_at", "finished_at", "cut_off"]
    ordering = ["-queued_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutcomeReport.objects.none()
        if self.action == "list":
            return selectors.reports_list()
        return OutcomeReport.objects.select_related("cohort")

    def get_serializer_class(self):
        return ReportDetailSerializer if self.action == "retrieve" else ReportSummarySerializer

    @extend_schema(
        summary="Queue a report run (or find the pending/running one with the same parameters)",
        request=ReportRequestSerializer,
        responses={202: ReportSummarySerializer, **ERRORS},
    )
    def create(self, request):
        incoming = ReportRequestSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        report, _created = services.report_request(
            cut_off=incoming.validated_data.get("cut_off"),
            cohort=incoming.validated_data.get("cohort"),
            endpoints=incoming.validated_data.get("endpoints"),
            strata=incoming.validated_data.get("strata"),
            requested_by=request.user,
            trigger=OutcomeReport.Trigger.API,
        )
        report.refresh_from_db()
        body = ReportSummarySerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Kaplan-Meier or cumulative-incidence plot of one table, numbers at risk under the axis",
        parameters=[
            OpenApiParameter("endpoint", str, enum=list(ENDPOINTS), required=True),
            OpenApiParameter("stratum", str, enum=list(STRATUM_NAMES), required=False),
            OpenApiParameter(
                "kind",
                str,
                enum=list(selectors.PLOT_KINDS),
                required=False,
                description="km: Kaplan-Meier (1 - KM for competing endpoints); aj: Aalen-Johansen",
            ),
        ],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="PNG image"),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get"], url_path="plot")
    def plot(self, request, pk=None):
        report = self.get_object()
        query = PlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if report.status != OutcomeReport.Status.SUCCEEDED:
            raise serializers.ValidationError(
                {"report": "The report has not succeeded; there is nothing to plot."}
            )
        try:
            png = selectors.report_plot_png(user=request.user, report=report, **query.validated_data)
        except selectors.InvalidPlotKind as exc:
            raise serializers.ValidationError({"kind": str(exc)}) from exc
        except selectors.PlotNotAvailable as exc:
            raise NotFound("This report has no table for that endpoint and stratum.") from exc
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        return response
