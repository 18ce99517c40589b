"""Where mail goes is one variable: EMAIL_PROVIDER (smtp, file, console, or a django-anymail provider with its
ANYMAIL_* settings); ``make run`` writes it to var/mail/ and its banner says so; the notification limits that
cannot work are refused by system checks."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.checks import run_checks

from backend import devserver
from backend.settings import base


def settings_with(monkeypatch, module: str = "backend.settings.base", **env) -> dict:
    """The settings module's names as it makes them under ``env`` (run afresh; local.py's ``from .base import *``
    takes the suite's base, which is what the test of it needs)."""
    for name in ("EMAIL_PROVIDER", "EMAIL_HOST", "EMAIL_PORT", "SITE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if module == "backend.settings.base":
        return runpy.run_path(str(Path(base.__file__)))
    return runpy.run_module(module)


def test_a_provider_through_anymail_takes_its_settings_from_the_environment(monkeypatch):
    found = settings_with(monkeypatch, EMAIL_PROVIDER="Postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="pm-token",
                          DEFAULT_FROM_EMAIL="Touchpoint <noreply@example.com>", SITE_URL="https://tp.example.com/")
    assert found["EMAIL_BACKEND"] == "anymail.backends.postmark.EmailBackend"
    assert found["ANYMAIL"]["POSTMARK_SERVER_TOKEN"] == "pm-token"
    assert found["DEFAULT_FROM_EMAIL"] == "Touchpoint <noreply@example.com>"
    assert found["SITE_URL"] == "https://tp.example.com"


def test_smtp_is_the_default_with_its_host_and_port(monkeypatch):
    found = settings_with(monkeypatch, EMAIL_HOST="smtp.example.com", EMAIL_PORT="587", EMAIL_USE_TLS="true")
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"], found["EMAIL_USE_TLS"]) == ("smtp.example.com", 587, True)
    assert devserver._mail_said(SimpleNamespace(**found)) == "sent over SMTP to smtp.example.com:587"


def test_an_unknown_provider_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="EMAIL_PROVIDER must be smtp, file, console or a django-anymail"):
        settings_with(monkeypatch, EMAIL_PROVIDER="smtp://mail")


def test_make_run_writes_mail_to_var_mail_and_says_so(monkeypatch):
    found = settings_with(monkeypatch, "backend.settings.local")
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["EMAIL_FILE_PATH"] == found["VAR_DIR"] / "mail"
    assert found["WEBHOOK_ALLOW_LOOPBACK_HTTP"] is True
    assert devserver._mail_said(SimpleNamespace(**found)) == f"written to {found['VAR_DIR'] / 'mail'}/ (a .log file per batch sent)"
    assert "Mail: {mail}." in devserver.BANNER


def test_limits_that_cannot_work_are_refused(settings):
    settings.NOTIFY_STALE_SECONDS, settings.WEBHOOK_TIMEOUT = 15, 10
    settings.NOTIFY_RETRY_MAX_SECONDS = 60
    settings.DIGEST_HOUR_UTC = 24
    ids = {e.id for e in run_checks(tags=["notify"])}
    assert ids == {"notify.E001", "notify.E002", "notify.E004"}
    settings.SITE_URL = "http://touchpoint.example.com"
    assert "notify.W001" in {e.id for e in run_checks(tags=["notify"], include_deployment_checks=True)}
