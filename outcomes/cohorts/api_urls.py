"""API routes of cohorts and exports (under /api/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from outcomes.cohorts import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cohorts", views.CohortViewSet, basename="cohort")

urlpatterns = [
    path("", include(router.urls)),
    path("deidentified/tumors/", views.DeidentifiedTumorList.as_view(), name="deidentified-tumors"),
    path("exports/bundle/", views.ExportBundleView.as_view(), name="export-bundle"),
    path("exports/log/", views.ExportLogList.as_view(), name="export-log"),
]
