"""The language switch in every page's header: a plain form (no script needed) posting here.

A signed-in person's choice is kept on their profile (``Profile.language``: pages, e-mails and PDFs follow it on
every device); "" gives the choice back to the browser. Django's ``set_language`` then answers as it does for
anyone (the login page's visitor too): the language cookie, and a redirect back to the page, if it is safe."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog, set_language

from sites import access
from sites.models import Profile


@require_POST
def choose(request):
    language = request.POST.get("language", "")
    if language and language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(gettext("language: %(code)s is not one of %(codes)s.") % {
            "code": language[:20], "codes": ", ".join(code for code, _ in settings.LANGUAGES)},
            content_type="text/plain; charset=utf-8")
    if request.user.is_authenticated and access._profile(request.user) is not None:
        Profile.objects.filter(user=request.user).update(language=language)
    response = set_language(request)  # the cookie for a language, a redirect to "next" (if safe) for both
    if not language:  # back to the browser's own (Accept-Language): a cookie would outrank it
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH,
                               domain=settings.LANGUAGE_COOKIE_DOMAIN, samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


_CATALOG = JavaScriptCatalog.as_view(packages=["pages"])


@require_GET
@cache_control(public=True, max_age=365 * 24 * 3600, immutable=True)
def javascript_catalog(request, language: str):
    """The pages' scripts' words (djangojs) in ``language``, named in the address with the catalogue's version
    (:func:`catalog_version`): cached for a year by the browser, like a static file, and by any cache between,
    since the answer depends on the address alone. The checklist opens on a weak signal; it is asked for once."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        response = _CATALOG(request)
    response.headers["Content-Language"] = language
    return response


@cache
def catalog_version() -> str:
    """A digest of the compiled djangojs catalogues: a new one (a deploy with new words) is a new address."""
    digest = hashlib.sha256()
    for mo in sorted(Path(__file__).resolve().parents[1].glob("locale/*/LC_MESSAGES/djangojs.mo")):
        digest.update(mo.read_bytes())
    return digest.hexdigest()[:12]
