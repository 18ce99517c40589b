"""The application's URLs plus the baseline: a minimal Django JSON view under the same stack."""

import os

from django.http import JsonResponse
from django.urls import include, path


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/ping/", ping), path("", include("backend.urls"))]

if os.environ.get("BENCH_WITHOUT_ROLLUP") == "1":
    # Diagnosis only (run.sh ROLLUP=off): measure the submission without the variance engine's hook.
    from consistency.services import rollup

    rollup.results_changed = lambda **kwargs: None
