"""The application's URLs plus the baseline: a minimal Django JSON view under the same stack."""

from django.http import JsonResponse
from django.urls import include, path


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/ping/", ping), path("", include("backend.urls"))]
