"""Log lines that can be followed: one request id per request, in every line logged while it is served and in
every line of the Celery tasks it queued.

- ``RequestId`` (middleware) takes the load balancer's or client's ``X-Request-ID`` when it is well formed (so one
  id runs from the edge to the worker), else makes one, and answers it in the ``X-Request-ID`` header.
- The id lives in a contextvar; ``RequestIdFilter`` copies it onto every record, so any formatter can print it.
- Celery: ``before_task_publish`` writes it into the message headers of every task queued while it is set
  (``transaction.on_commit`` callbacks run inside the request, so those too); ``task_prerun`` sets it again in
  the worker for the task's duration, and ``task_postrun`` clears it.
- ``LOG_FORMAT=json`` (production's default) writes one JSON object a line (python-json-logger); ``text`` a
  plain line for ``make run``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery import signals
from django.core.signals import request_finished
from django.dispatch import receiver

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

HEADER = "X-Request-ID"
# What a load balancer sends (a UUID, AWS's "Root=1-...", a hex trace id): letters, digits and - _ . : = /,
# at most 128 characters. Anything else (a newline, a quote, a megabyte) would end up verbatim in log lines
# and headers, so it is replaced by an id of ours.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_.:=/]{0,127}")
CELERY_HEADER = "touchpoint_request_id"

TEXT_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s [%(request_id)s] %(message)s"
# python-json-logger writes the record's attributes named here (and any ``extra``) as keys of one object.
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(processName)s %(process)d %(request_id)s %(message)s"


def well_formed(value: str | None) -> bool:
    return bool(value) and _WELL_FORMED.fullmatch(value) is not None


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or "-") on every record, whichever logger made it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class RequestId:
    """Middleware: the request's id, from ``X-Request-ID`` if well formed, else a new one; answered in the header
    of the response and set for every log line (and queued task) of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER)
        value = given if well_formed(given) else new_id()
        request.request_id = value
        # Not reset on the way out: Django logs a refused or failed answer (django.request) after the middleware
        # has returned it. ``request_finished`` clears it once the answer is sent.
        request_id.set(value)
        response = self.get_response(request)
        response[HEADER] = value
        return response


@receiver(request_finished)
def _request_id_cleared_after_response(**kwargs):
    request_id.set("")


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict of the settings: one console handler, the request id filter, text or JSON."""
    if log_format not in ("json", "text"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    formatter = ({"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FORMAT,
                  "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                                    "processName": "process_name"}}
                 if log_format == "json" else {"format": TEXT_FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "backend.logs.RequestIdFilter"}},
        "formatters": {"main": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "main"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }


# --- Celery --------------------------------------------------------------------------------------

@signals.setup_logging.connect
def _celery_keeps_our_logging(**kwargs):
    """Connected, this tells Celery not to replace the root logger's handlers with its own: the worker logs
    through the LOGGING of the settings (JSON with the request id in production) like the web processes.
    Django's set-up (Celery's Django fix-up) has applied LOGGING already."""


@signals.before_task_publish.connect
def _request_id_into_message(headers=None, **kwargs):
    value = request_id.get()
    if value and headers is not None and CELERY_HEADER not in headers:
        headers[CELERY_HEADER] = value


@signals.task_prerun.connect
def _request_id_from_message(task=None, **kwargs):
    if task is not None and task.request.is_eager:
        return  # run inside its caller (CELERY_TASK_ALWAYS_EAGER): the caller's id stands
    value = getattr(task.request, CELERY_HEADER, None) if task is not None else None
    # A task queued by another task carries the id on: it is set for the whole of this one.
    request_id.set(value if well_formed(value) else "")


@signals.task_postrun.connect
def _request_id_cleared(task=None, **kwargs):
    if task is None or not task.request.is_eager:
        request_id.set("")


# --- Sentry --------------------------------------------------------------------------------------

def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Errors of the web processes and of the Celery tasks to Sentry. No personal data: no user, cookies,
    request bodies or client address (send_default_pii=False); the request id is a tag, to find its log lines."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def tag_request_id(event, hint):
        value = request_id.get()
        if value:
            event.setdefault("tags", {})["request_id"] = value
        return event

    sentry_sdk.init(dsn=dsn, environment=environment, release=release or None, send_default_pii=False,
                    traces_sample_rate=traces_sample_rate, before_send=tag_request_id,
                    integrations=[DjangoIntegration(), CeleryIntegration()])
