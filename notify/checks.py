"""System checks of the notification settings (``manage.py check``): limits that cannot work are refused when the
project starts. The settings themselves are read once, in backend/settings/base.py."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning


def notify_limits(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    stale = settings.NOTIFY_STALE_SECONDS
    longest_send = max(settings.EMAIL_TIMEOUT or 0, settings.WEBHOOK_TIMEOUT)
    if stale <= 2 * longest_send:
        errors.append(Error(
            f"NOTIFY_STALE_SECONDS ({stale} s) must be more than twice the longest send (EMAIL_TIMEOUT, "
            f"WEBHOOK_TIMEOUT: {longest_send} s).",
            hint="A send still running would have its claim taken over by the sweep, and its message sent twice.",
            id="notify.E001"))
    if settings.NOTIFY_RETRY_MAX_SECONDS >= stale:
        errors.append(Error(
            f"NOTIFY_RETRY_MAX_SECONDS ({settings.NOTIFY_RETRY_MAX_SECONDS} s) must be below NOTIFY_STALE_SECONDS "
            f"({stale} s).", hint="The sweep would queue a notice again before its planned retry.", id="notify.E002"))
    for name in ("NOTIFY_MAX_ATTEMPTS", "WEBHOOK_MAX_ATTEMPTS"):
        if getattr(settings, name) < 1:
            errors.append(Error(f"{name} must be at least 1, not {getattr(settings, name)}.", id="notify.E003"))
    if not 0 <= settings.DIGEST_HOUR_UTC <= 23:
        errors.append(Error(f"DIGEST_HOUR_UTC must be an hour, 0 to 23, not {settings.DIGEST_HOUR_UTC}.",
                            id="notify.E004"))
    return errors


def site_url_deploy(app_configs=None, **kwargs) -> list[Warning]:
    """Under ``check --deploy``: the links in mail and webhooks must be absolute https:// addresses."""
    if not settings.SITE_URL.startswith("https://"):
        return [Warning(f"SITE_URL ({settings.SITE_URL!r}) is not an https:// address.",
                        hint="Links in e-mail and webhook payloads are made with it: set SITE_URL to the address "
                             "people reach Touchpoint at.", id="notify.W001")]
    return []
