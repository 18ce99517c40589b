"""/app/today/: the manager's checklist on a phone. (Built by issue 16.)"""

from django.shortcuts import render

from sites.models import Role

from .common import page, require_role


@page
def today(request):
    require_role(request, Role.MANAGER)
    return render(request, "pages/today.html", {})
