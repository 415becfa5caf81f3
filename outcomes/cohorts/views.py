"""Thin API views: cohorts (CRUD, preview), de-identified tumor list, export bundle, export log."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from outcomes.cohorts import bundle, selectors, services
from outcomes.cohorts.criteria import CohortCriteriaSerializer, criteria_from_query, validate_criteria
from outcomes.cohorts.deidentify import SurrogateKeys
from outcomes.cohorts.models import Cohort, ExportLog
from outcomes.cohorts.serializers import (
    CohortPreviewSerializer,
    CohortSerializer,
    DeidentifiedTumorSerializer,
    ExportLogSerializer,
    ExportParametersSerializer,
    PreviewRequestSerializer,
)
from registry.api.permissions import IsEpidemiologist, IsRegistryAdmin

ERRORS = {
    400: OpenApiResponse(description="Invalid input; `errors` names each field."),
    401: OpenApiResponse(description="Not authenticated."),
    403: OpenApiResponse(description="Your role does not give access (epidemiologists and admins only)."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such cohort (or not yours).")}
PAGE_PARAMETERS = ("page", "page_size", "format", "ordering")


@extend_schema_view(
    list=extend_schema(
        summary="Your cohorts (admins: all)", responses={200: CohortSerializer(many=True), **ERRORS}
    ),
    create=extend_schema(summary="Define a cohort", responses={201: CohortSerializer, **ERRORS}),
    retrieve=extend_schema(summary="A cohort", responses={200: CohortSerializer, **ERRORS, **NOT_FOUND}),
    update=extend_schema(
        summary="Replace a cohort", responses={200: CohortSerializer, **ERRORS, **NOT_FOUND}
    ),
    partial_update=extend_schema(
        summary="Change a cohort", responses={200: CohortSerializer, **ERRORS, **NOT_FOUND}
    ),
    destroy=extend_schema(summary="Delete a cohort", responses={204: None, **ERRORS, **NOT_FOUND}),
)
class CohortViewSet(viewsets.ModelViewSet):
    serializer_class = CohortSerializer
    permission_classes = [IsEpidemiologist]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cohort.objects.none()
        return selectors.cohorts_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.cohort_create(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.cohort_update(cohort=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.cohort_delete(cohort=instance)

    @extend_schema(
        summary="Preview a saved cohort: counts and attrition",
        request=None,
        responses={200: CohortPreviewSerializer, **ERRORS, **NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        cohort = self.get_object()
        return Response(selectors.cohort_preview(validate_criteria(cohort.criteria)))

    @extend_schema(
        summary="Preview criteria without saving them: counts and attrition",
        request=PreviewRequestSerializer,
        responses={200: CohortPreviewSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="preview")
    def preview_criteria(self, request):
        serializer = PreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(selectors.cohort_preview(serializer.validated_data["criteria"]))


@extend_schema(
    summary="De-identified tumors matching criteria",
    description="No identifiers: random surrogate keys, year of diagnosis, other dates as days since diagnosis, "
    "ages top-coded at 90. The cohort criteria are query parameters; list criteria take repeated "
    "or comma-separated values.",
    parameters=[CohortCriteriaSerializer],
    responses={200: DeidentifiedTumorSerializer(many=True), **ERRORS},
)
class DeidentifiedTumorList(generics.GenericAPIView):
    permission_classes = [IsEpidemiologist]
    serializer_class = DeidentifiedTumorSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cohort.objects.none()
        criteria = validate_criteria(criteria_from_query(self.request.query_params, reserved=PAGE_PARAMETERS))
        return selectors.deidentified_tumors(criteria)

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.deidentified_tumor_rows(list(page), keys=SurrogateKeys(linkable=True))
        return self.get_paginated_response(DeidentifiedTumorSerializer(rows, many=True).data)


@extend_schema(
    summary="Download an export bundle (ZIP)",
    description="A ZIP of tumors, events, treatments, imaging and molecular tables (CSV or Parquet), a codebook "
    "and manifest.json (written last). De-identified by default; `identified=true` needs the "
    "registry admin's permission. Criteria may be given as further query parameters instead of "
    "`cohort`; with neither, the whole registry is exported. Every export is logged.",
    parameters=[ExportParametersSerializer, CohortCriteriaSerializer],
    responses={
        (200, "application/zip"): OpenApiResponse(response=OpenApiTypes.BINARY, description="The bundle."),
        **ERRORS,
        **NOT_FOUND,
    },
)
class ExportBundleView(APIView):
    permission_classes = [IsEpidemiologist]

    def get(self, request):
        params = ExportParametersSerializer(
            data={
                k: request.query_params[k]
                for k in ExportParametersSerializer().fields
                if k in request.query_params
            }
        )
        params.is_valid(raise_exception=True)
        options = params.validated_data
        cohort = None
        if "cohort" in options:
            cohort = get_object_or_404(selectors.cohorts_visible_to(request.user), pk=options["cohort"])
        criteria_input = criteria_from_query(
            request.query_params, reserved=(*ExportParametersSerializer().fields, *PAGE_PARAMETERS)
        )
        plan = services.export_plan_build(
            user=request.user,
            cohort=cohort,
            criteria_input=criteria_input,
            cut_off=options.get("cut_off"),
            file_format=options["file_format"],
            linkable=options["linkable"],
            identified=options["identified"],
        )
        log = services.export_log_start(plan=plan)
        response = StreamingHttpResponse(
            bundle.export_bundle_chunks(plan, log.pk), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{plan.filename}"'
        response["X-Export-Log-Id"] = str(log.pk)
        return response


@extend_schema(
    summary="Export log (registry admins)", responses={200: ExportLogSerializer(many=True), **ERRORS}
)
class ExportLogList(mixins.ListModelMixin, generics.GenericAPIView):
    permission_classes = [IsRegistryAdmin]
    serializer_class = ExportLogSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExportLog.objects.none()
        return selectors.export_log_list()

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)
