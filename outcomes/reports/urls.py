"""Outcome dashboard pages."""

from django.urls import path

from outcomes.reports import views

urlpatterns = [
    path("", views.dashboard, name="outcome-dashboard"),
    path("run/", views.queue_report, name="outcome-report-queue"),
    path("<int:report_id>/status/", views.report_status, name="outcome-report-status"),
]
