"""/app/: the network at a glance. (Built by the overview work of issue 16.)"""

from django.shortcuts import redirect, render

from sites.models import Role

from .common import own_site_code, page, require_role


@page
def overview(request):
    role = require_role(request, Role.HEAD_OFFICE, Role.AUDITOR, Role.MANAGER)
    if role == Role.MANAGER:
        code = own_site_code(request.user)
        return redirect("pages:site", code=code) if code else redirect("home")
    return render(request, "pages/overview.html", {})
