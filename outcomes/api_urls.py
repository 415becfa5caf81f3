"""REST API routes of the outcomes apps."""

from django.urls import include, path

urlpatterns = [
    path("", include("outcomes.reports.api_urls")),
    path("", include("outcomes.surveillance.api_urls")),
    path("", include("outcomes.cohorts.api_urls")),
    path("", include("outcomes.interop.api_urls")),
]
