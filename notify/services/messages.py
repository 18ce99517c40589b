"""What a notice says: its e-mail, rendered at send time in the recipient's language.

Each event's text is the template ``notify/email/<event>.txt`` (the app that owns the event writes it; Django
finds it in any app's ``templates/``), ``notify/email/default.txt`` for an event without one. The first line
of the rendered text is the subject, the rest the body. Context: ``notice``, ``data`` (the notice's data),
``link`` (absolute), ``recipient``, and ``event_label``, ``site``, ``settings_link`` (where the person changes
what they get). Plain text, so rendered without HTML escaping (a site named "Smith & Sons" stays so).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import TemplateDoesNotExist
from django.template.backends.django import DjangoTemplates
from django.urls import reverse
from django.utils import translation

from ..events import Event

FALLBACK_TEMPLATE = "notify/email/default.txt"
DIGEST_TEMPLATE = "notify/email/digest.txt"
MAX_SUBJECT = 200


@functools.cache
def _text_templates() -> DjangoTemplates:
    """The project's template folders and app templates, without autoescaping: e-mail text is not HTML."""
    return DjangoTemplates({"NAME": "notify-text", "DIRS": settings.TEMPLATES[0]["DIRS"], "APP_DIRS": True,
                            "OPTIONS": {"autoescape": False}})


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def absolute(link: str) -> str:
    """A path on this server as the address a mail reader or a webhook receiver opens (SITE_URL)."""
    if not link:
        link = "/app/"
    if link.startswith(("https://", "http://")):
        return link
    return f"{settings.SITE_URL}{link if link.startswith('/') else '/' + link}"


def language_of(user) -> str:
    """The person's language (Profile.language), else the site's default."""
    profile = getattr(user, "profile", None) if user is not None else None
    language = getattr(profile, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def event_label(event: str) -> str:
    return str(Event(event).label) if event in Event.values else event


def split(text: str) -> Rendered:
    """First non-empty line: the subject (one line, whitespace folded); the rest: the body."""
    lines = text.strip().splitlines() or [""]
    subject = " ".join(lines[0].split())[:MAX_SUBJECT]
    body = "\n".join(lines[1:]).strip("\n")
    return Rendered(subject=subject, body=body + "\n")


def _render(names: list[str], context: dict) -> Rendered:
    engine = _text_templates()
    for name in names[:-1]:
        try:
            return split(engine.get_template(name).render(context))
        except TemplateDoesNotExist:
            continue
    return split(engine.get_template(names[-1]).render(context))


def _context(notice, recipient) -> dict:
    return {"notice": notice, "data": notice.data or {}, "link": absolute(notice.link), "recipient": recipient,
            "event_label": event_label(notice.event), "site": notice.site,
            "settings_link": absolute(reverse("pages:notifications"))}


def render_notice(notice) -> Rendered:
    """The notice's subject and body in its recipient's language (``notice.recipient`` and ``notice.site``
    should be loaded with it)."""
    recipient = notice.recipient
    with translation.override(language_of(recipient)):
        return _render([f"notify/email/{notice.event}.txt", FALLBACK_TEMPLATE], _context(notice, recipient))


@dataclass(frozen=True)
class DigestItem:
    notice: object
    subject: str
    link: str


def render_digest(recipient, notices: list) -> Rendered:
    """One message for a person's held notices: each listed by its own subject (its event's template) and
    link, in the person's language."""
    with translation.override(language_of(recipient)):
        items = [DigestItem(n, _render([f"notify/email/{n.event}.txt", FALLBACK_TEMPLATE],
                                       _context(n, recipient)).subject, absolute(n.link)) for n in notices]
        return _render([DIGEST_TEMPLATE], {"recipient": recipient, "items": items, "count": len(items),
                                           "link": absolute("/app/"),
                                           "settings_link": absolute(reverse("pages:notifications"))})


def _domain() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "touchpoint.local"


def email_for(*, rendered: Rendered, to: str, message_id: str, headers: dict | None = None) -> EmailMessage:
    """The message as sent. Its Message-ID is fixed by what it is (a notice, a digest): should a message ever be
    sent twice (a worker killed between the server's acceptance and the record of it), the copies carry the same
    id, which mail clients and many servers use to drop the second."""
    return EmailMessage(subject=rendered.subject, body=rendered.body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[to], headers={
                            "Message-ID": f"<{message_id}@{_domain()}>",
                            "Auto-Submitted": "auto-generated",
                            "List-Unsubscribe": f"<{absolute(reverse('pages:notifications'))}>",
                            **(headers or {})})
