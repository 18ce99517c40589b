"""/app/calibration/ (head office): calibration visits and auditors compared. Placeholder until H1's
calibration service lands (customer/services/calibration.py)."""

from django.shortcuts import render

from sites.models import Role

from .common import page, require_role


@page
def calibration(request):
    require_role(request, Role.HEAD_OFFICE)
    return render(request, "pages/calibration.html", {})
