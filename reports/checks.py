"""System checks of the report settings (``manage.py check``, and every ``runserver``/``migrate``): limits
that cannot work are refused when the project starts, by Django's checks framework, not at import time.

The settings themselves are read once, in backend/settings/base.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning

from .signing import configuration_problem


def report_limits(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    hard, soft = settings.REPORT_TIME_LIMIT, settings.REPORT_SOFT_TIME_LIMIT
    visibility = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("visibility_timeout")
    if visibility is not None and hard >= int(visibility):
        errors.append(Error(
            f"REPORT_TIME_LIMIT ({hard} s) is not below the broker's visibility timeout ({visibility} s).",
            hint="A render still running would be handed to a second worker: lower REPORT_TIME_LIMIT or raise "
                 "CELERY_VISIBILITY_TIMEOUT.", id="reports.E001"))
    if not 0 < soft < hard:
        errors.append(Error(f"REPORT_SOFT_TIME_LIMIT ({soft} s) must be above 0 and below REPORT_TIME_LIMIT "
                            f"({hard} s).", hint="The soft limit is what lets a render fail with a message before "
                                                 "Celery kills it.", id="reports.E002"))
    if settings.REPORT_STALE_AFTER <= hard:
        errors.append(Error(f"REPORT_STALE_AFTER ({settings.REPORT_STALE_AFTER} s) must be above REPORT_TIME_LIMIT "
                            f"({hard} s).", hint="A live render's claim would be taken over by a second worker.",
                            id="reports.E003"))
    for name in ("REPORT_MAX_ATTEMPTS", "REPORT_MAX_VERIFY_BYTES", "REPORT_THUMBNAIL_FETCH_THREADS",
                 "PERIOD_MAX_DAYS"):
        if getattr(settings, name) < 1:
            errors.append(Error(f"{name} must be at least 1, not {getattr(settings, name)}.", id="reports.E004"))
    return errors


def pack_signing(app_configs=None, **kwargs) -> list[Error | Warning]:
    """Compliance packs are issued signed: where signing is required (production), a key and certificate that
    cannot be read, or do not belong together, stop every start (migrate included) rather than the first pack.
    Elsewhere (a laptop before make run has made its certificate) it is a warning: packs would fail to render."""
    configured = settings.PACK_SIGNING_KEY or settings.PACK_SIGNING_CERT
    if not configured and not settings.PACK_SIGNING_REQUIRED:
        return []  # a laptop before make run has made its certificate: packs fail with the same words
    problem = configuration_problem()
    if problem is None:
        return []
    kind, code = (Error, "reports.E010") if settings.PACK_SIGNING_REQUIRED else (Warning, "reports.W010")
    return [kind(f"Compliance packs cannot be signed: {problem}",
                  hint="Set PACK_SIGNING_KEY and PACK_SIGNING_CERT to the franchise's private key and certificate "
                       "(paths to PEM files, or the PEM text itself); `manage.py make_signing_cert DIR` makes a "
                       "self-signed pair.", id=code)]
