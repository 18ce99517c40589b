"""The application's URLs plus the baseline (a minimal Django JSON view under the same stack) and the
reference (the issue's straightforward DRF submission, reference.py)."""

import os

from django.http import JsonResponse
from django.urls import include, path
from reference import ReferenceCheckView


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/reference/sites/<str:code>/checks/", ReferenceCheckView.as_view()),
    path("", include("backend.urls")),
]

if os.environ.get("BENCH_WITHOUT_ROLLUP") == "1":
    # Diagnosis only (run.sh ROLLUP=off): measure the submission without the variance engine's hook.
    from consistency.services import rollup

    rollup.results_changed = lambda **kwargs: None
