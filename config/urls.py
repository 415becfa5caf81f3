"""URL routes: admin, REST API (schema and docs), outcome pages."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "IMT Registry"
admin.site.site_title = "IMT Registry"
admin.site.index_title = "Registry administration"

api_urls = [
    path("", include("registry.api.urls")),
    path("", include("outcomes.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include(api_urls)),
    path("outcomes/", include("outcomes.urls")),
]
