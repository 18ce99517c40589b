"""/app/sites/{code}/: one site in depth. (Built by the site work of issue 16.)"""

from django.shortcuts import render

from sites.selectors import site_get

from .common import page


@page
def site_detail(request, code: str):
    site = site_get(user=request.user, code=code)
    return render(request, "pages/site.html", {"site": site})
