from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include("sites.urls")),
    path("api/v1/", include("consistency.api.urls")),
    path("api/v1/", include("consistency.api.check_urls")),
    path("api/v1/", include("consistency.api.evidence_urls")),
    path("api/v1/", include("consistency.api.variance_urls")),
    path("api/v1/", include("reports.urls")),
    # Last: any other API address answers the API's JSON 404 even under DEBUG (``make run``), where Django
    # shows its HTML debug page instead of ``handler404``. Ending in "/" only, so that APPEND_SLASH still
    # redirects an address written without its slash.
    re_path(r"^api/.*/$", views.api_not_found),
]

handler404 = views.not_found
