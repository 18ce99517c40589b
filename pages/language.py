"""The language a request is answered in: the person's choice (``Profile.language``) when they made one, else
the browser's (the language cookie the switch sets, then Accept-Language, as Django's LocaleMiddleware reads
them), else ``settings.LANGUAGE_CODE``. The one rule; every page, e-mail preview and the API's standard read
the language it activates (``translation.get_language()``)."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from sites import access


def chosen_language(user) -> str:
    """The language ``user`` chose for themselves, "" for none (then the browser's). Costs no query on a page:
    the profile is the one :func:`sites.access.role_of` reads, cached on the user for the request."""
    if not user or not user.is_authenticated:
        return ""
    profile = access._profile(user)  # as sites.selectors reads it
    language = profile.language if profile else ""
    return language if language in dict(settings.LANGUAGES) else ""


class PersonLanguage(LocaleMiddleware):
    """Django's LocaleMiddleware (Accept-Language, the language cookie, ``Content-Language`` and ``Vary``), with
    the signed-in person's own choice first. After AuthenticationMiddleware: it reads ``request.user``.

    The language is given back when the answer is made: the test client (and a thread of a threaded server)
    goes on in the same thread, and one French page must not leave the next request or test in French."""

    def __call__(self, request):
        before = translation.get_language()
        try:
            return super().__call__(request)
        finally:
            translation.activate(before)

    def process_request(self, request):
        language = chosen_language(request.user)
        if not language:
            return super().process_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None
