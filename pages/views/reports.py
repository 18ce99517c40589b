"""/app/reports/: order, watch, download and verify reports. (Built by issue 16.)"""

from django.shortcuts import render

from .common import page


@page
def reports(request):
    return render(request, "pages/reports.html", {})
