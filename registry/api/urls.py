"""Routes of the record API: tokens, patients, tumors, findings (included at /api/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from registry.api.views import FindingViewSet, PatientViewSet, TokenView, TumorViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("patients", PatientViewSet, basename="patient")
router.register("tumors", TumorViewSet, basename="tumor")
router.register("findings", FindingViewSet, basename="finding")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
