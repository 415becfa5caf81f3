"""API routes of the registry-file exports (under /api/)."""

from django.urls import path

from outcomes.interop import views

urlpatterns = [
    path("naaccr/export/", views.NaaccrExportView.as_view(), name="naaccr-export"),
    path("fhir/export/", views.FhirExportView.as_view(), name="fhir-export"),
]
