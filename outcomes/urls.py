"""Outcome pages: dashboard, worklist."""

from django.urls import include, path

urlpatterns = [
    path("reports/", include("outcomes.reports.urls")),
    path("surveillance/", include("outcomes.surveillance.urls")),
    path("cohorts/", include("outcomes.cohorts.urls")),
]
