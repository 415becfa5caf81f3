"""API routes of outcome reports."""

from rest_framework.routers import SimpleRouter

from outcomes.reports.api import OutcomeReportViewSet

router = SimpleRouter()
router.register("reports", OutcomeReportViewSet, basename="outcome-report")
urlpatterns = router.urls
