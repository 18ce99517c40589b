"""The report settings are read once (backend/settings/base.py) and checked by Django's system checks
(reports/checks.py), not at import time: a bad value is reported by ``manage.py check`` with its fix."""

from __future__ import annotations

import importlib

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from reports.checks import report_limits


def ids(errors) -> set[str]:
    return {e.id for e in errors}


def test_the_defaults_pass():
    assert report_limits() == []
    call_command("check", tags=["reports"])


def test_a_time_limit_over_the_broker_visibility_timeout_is_an_error(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    settings.REPORT_TIME_LIMIT, settings.REPORT_SOFT_TIME_LIMIT, settings.REPORT_STALE_AFTER = 900, 800, 930
    errors = report_limits()
    assert ids(errors) == {"reports.E001"}
    assert isinstance(errors[0], checks.Error)
    assert "900 s" in errors[0].msg and "600 s" in errors[0].msg and "CELERY_VISIBILITY_TIMEOUT" in errors[0].hint
    # ``manage.py check`` (and so ``runserver`` and ``migrate``) stops on it.
    with pytest.raises(SystemCheckError, match="reports.E001"):
        call_command("check")
    settings.REPORT_TIME_LIMIT = 599
    settings.REPORT_SOFT_TIME_LIMIT = 500
    assert report_limits() == []


@pytest.mark.parametrize(("changes", "error"), [
    ({"REPORT_SOFT_TIME_LIMIT": 900}, "reports.E002"),
    ({"REPORT_SOFT_TIME_LIMIT": 0}, "reports.E002"),
    ({"REPORT_STALE_AFTER": 900}, "reports.E003"),
    ({"REPORT_MAX_ATTEMPTS": 0}, "reports.E004"),
    ({"PERIOD_MAX_DAYS": 0}, "reports.E004"),
])
def test_limits_that_cannot_work_are_errors(settings, changes, error):
    settings.REPORT_TIME_LIMIT, settings.REPORT_SOFT_TIME_LIMIT, settings.REPORT_STALE_AFTER = 900, 810, 930
    for name, value in changes.items():
        setattr(settings, name, value)
    assert ids(report_limits()) == {error}


def test_importing_the_report_modules_validates_nothing(settings):
    # A broken value is the checks' to report, with the others: importing a module never raises on it.
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 10}
    import reports.runner
    import reports.services

    importlib.reload(reports.services)
    importlib.reload(reports.runner)
    assert importlib.util.find_spec("reports.conf") is None  # no second reader of the settings
