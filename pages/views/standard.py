"""/app/standard/: the standard as a document, drafts, publishing, the diff. (Built by issue 16.)"""

from django.shortcuts import render

from .common import page


@page
def standard(request):
    return render(request, "pages/standard.html", {})
