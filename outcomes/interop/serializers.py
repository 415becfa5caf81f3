"""Query parameters of the registry-file exports (NAACCR XML, FHIR)."""

from rest_framework import serializers


class NaaccrExportParametersSerializer(serializers.Serializer):
    identified = serializers.BooleanField(
        required=False,
        default=True,
        help_text="With false, names and MRN are left out; registry numbers and full dates remain.",
    )


class FhirExportParametersSerializer(serializers.Serializer):
    identified = serializers.BooleanField(
        required=False,
        default=True,
        help_text="With false, Patient resources carry no name and no MRN; registry numbers and full dates remain.",
    )
