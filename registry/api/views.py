"""Token issue and revoke, and the registrars' read API of the record (patients, tumors, findings)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import lists
from registry.api.filters import FindingFilter, PatientFilter, TumorFilter
from registry.api.permissions import IsRegistrar
from registry.api.serializers import (
    ErrorSerializer,
    FindingSerializer,
    PatientSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    TumorListSerializer,
    TumorSerializer,
)
from registry.models import Patient, Tumor
from registry.quality.models import Finding

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
    403: OpenApiResponse(ErrorSerializer, description="Your role does not give access to this resource."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record.")}


class TokenView(APIView):
    """Issue a token for a username and password (POST), or revoke the caller's token (DELETE)."""

    def get_authenticators(self):
        # Issuing a token needs no prior authentication (and no CSRF token from a browser session).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        auth=[],
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Wrong credentials."),
        },
        summary="Obtain an API token",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            # Same message whether the user exists or not.
            raise ValidationError({"non_field_errors": ["Unable to log in with these credentials."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None, 401: ERRORS[401]}, summary="Revoke your API token")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Patients, with identifiers", responses={200: PatientSerializer(many=True), **ERRORS}
    ),
    retrieve=extend_schema(summary="One patient", responses={200: PatientSerializer, **ERRORS, **NOT_FOUND}),
)
class PatientViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PatientSerializer
    permission_classes = [IsRegistrar]
    filterset_class = PatientFilter
    ordering_fields = ["registry_number", "last_name", "date_of_birth"]
    ordering = ["registry_number"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patient.objects.none()
        return lists.patient_list().prefetch_related("tumors")


@extend_schema_view(
    list=extend_schema(
        summary="Tumors with their records (imaging as a count) and derived status",
        responses={200: TumorListSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One tumor", responses={200: TumorSerializer, **ERRORS, **NOT_FOUND}),
)
class TumorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TumorSerializer
    permission_classes = [IsRegistrar]
    filterset_class = TumorFilter
    ordering_fields = ["date_of_diagnosis", "id"]
    ordering = ["patient__registry_number", "tumor_record_number"]

    def get_serializer_class(self):
        return TumorListSerializer if self.action == "list" else TumorSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Tumor.objects.none()
        return lists.tumor_records(with_imaging=self.action != "list")


@extend_schema_view(
    list=extend_schema(
        summary="Data-quality findings", responses={200: FindingSerializer(many=True), **ERRORS}
    ),
    retrieve=extend_schema(summary="One finding", responses={200: FindingSerializer, **ERRORS, **NOT_FOUND}),
)
class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FindingSerializer
    permission_classes = [IsRegistrar]
    filterset_class = FindingFilter
    ordering_fields = ["first_found_at", "rule", "state"]
    ordering = ["rule", "patient__registry_number", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        return lists.finding_list()
