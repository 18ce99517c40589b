from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health, metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    # The probes and the scrape of infra/ (backend/health.py, backend/metrics.py): no session, no CSRF.
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="prometheus-metrics"),
    path("app/", include("pages.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include("sites.urls")),
    path("api/v1/", include("consistency.api.urls")),
    path("api/v1/", include("consistency.api.check_urls")),
    path("api/v1/", include("consistency.api.evidence_urls")),
    path("api/v1/", include("consistency.api.variance_urls")),
    path("api/v1/", include("reports.urls")),
    path("api/v1/", include("customer.api.audit_urls")),
    path("api/v1/", include("customer.api.feedback_urls")),
    path("api/v1/", include("customer.api.perception_urls")),
    path("api/v1/", include("notify.api.urls")),
    path("api/v1/", include("consistency.api.review_urls")),
    path("api/v1/", include("consistency.api.applicability_urls")),
    path("api/v1/", include("exports.urls")),
    path("api/v1/", include("audit.urls")),  # the audit trail (issue 19)
    # Last: any other API address answers the API's JSON 404, whatever the method, even under DEBUG (``make
    # run``), where Django shows its HTML debug page instead of ``handler404``. An address without its final
    # slash ends here too: the view redirects a read as APPEND_SLASH would, and answers a write itself.
    # [\s\S]: any character, a newline (%0A) too.
    re_path(r"^api(?:/[\s\S]*)?$", views.api_not_found, name=views.API_NOT_FOUND),
]

# Django's own answers when no view answers (or one fails): JSON in the API's shape under /api/, pages elsewhere.
handler400 = views.bad_request
handler404 = views.not_found
handler500 = views.server_error
