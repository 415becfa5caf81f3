"""API routes of the registry-file exports (under /api/)."""
from django.urls import path

from outcomes.interop import views

urlpatterns = [
    path("naaccr/export/", views.NaaccrExportView.as_view(), name="naaccr-export"),
]
