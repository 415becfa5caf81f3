"""Thin API views: the NAACCR XML and FHIR NDJSON exports (registrars and admins, logged)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from outcomes.interop import services
from outcomes.interop.fhir import NDJSON_CONTENT_TYPE
from outcomes.interop.serializers import (
    FhirExportParametersSerializer,
    NaaccrExportParametersSerializer,
)
from registry.api.permissions import IsRegistrar

ERRORS = {
    400: OpenApiResponse(description="Invalid input; `errors` names each field."),
    401: OpenApiResponse(description="Not authenticated."),
    403: OpenApiResponse(description="Your role does not give access (registrars and admins only)."),
}


@extend_schema(
    summary="Download the registry as NAACCR XML",
    description="NAACCR XML, record type A, specification 1.8, base dictionary 25, with the registry's user "
    "dictionary (gene status, fusion partner, variant). Withdrawn consent is excluded. The file "
    "is identified: `identified=false` leaves out names and MRN only; registry numbers and full "
    "dates remain. Every export is logged.",
    parameters=[NaaccrExportParametersSerializer],
    responses={
        (200, "application/xml"): OpenApiResponse(
            response=OpenApiTypes.BINARY, description="The NAACCR XML file."
        ),
        **ERRORS,
    },
)
class NaaccrExportView(APIView):
    permission_classes = [IsRegistrar]

    def get(self, request):
        params = NaaccrExportParametersSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        identified = params.validated_data["identified"]
        log = services.naaccr_export_start(user=request.user, identified=identified)
        response = StreamingHttpResponse(
            services.naaccr_export_chunks(log_id=log.pk, identified=identified),
            content_type="application/xml",
        )
        filename = f"imt-registry-naaccr-{timezone.localdate():%Y%m%d}.xml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Export-Log-Id"] = str(log.pk)
        return response


@extend_schema(
    summary="Download the registry as FHIR R4B resources (mCODE-shaped NDJSON)",
    description="FHIR R4B NDJSON, one resource per line, shaped after mCODE: Patient, primary cancer "
    "Condition (ICD-O-3), tumor size and genomic variant Observations, surgical Procedures, "
    "cancer disease status Observations from imaging results, and MedicationRequests for "
    "targeted therapy. Withdrawn consent is excluded. `identified=false` leaves out names and "
    "MRN only; registry numbers and full dates remain. Every export is logged.",
    parameters=[FhirExportParametersSerializer],
    responses={
        (200, NDJSON_CONTENT_TYPE): OpenApiResponse(
            response=OpenApiTypes.BINARY, description="FHIR resources, one JSON object per line."
        ),
        **ERRORS,
    },
)
class FhirExportView(APIView):
    permission_classes = [IsRegistrar]

    def get(self, request):
        params = FhirExportParametersSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        identified = params.validated_data["identified"]
        log = services.fhir_export_start(user=request.user, identified=identified)
        response = StreamingHttpResponse(
            services.fhir_export_chunks(log_id=log.pk, identified=identified),
            content_type=NDJSON_CONTENT_TYPE,
        )
        filename = f"imt-registry-fhir-{timezone.localdate():%Y%m%d}.ndjson"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Export-Log-Id"] = str(log.pk)
        return response
