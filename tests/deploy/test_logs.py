"""The request id: taken from X-Request-ID when well formed, else made; answered back; on every log line of the
request, in JSON (production) or text (make run)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from backend import logs

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured():
    """The settings' JSON formatter and request id filter, on a handler of the test's own."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_json_formatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _json_formatter():
    from pythonjsonlogger.json import JsonFormatter

    spec = logs.logging_config(log_format="json", level="INFO")["formatters"]["main"]
    return JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"])


@pytest.mark.parametrize(("given", "kept"), [
    ("Root=1-67891233-abcdef012345678912345678", True),
    ("0f9e2c1a-6b3d-4d5e-9f00-123456789abc", True),
    ("bad id with spaces", False),
    ("x" * 129, False),
    ("line\nbreak", False),
    ("", False),
])
def test_a_well_formed_id_is_kept_any_other_replaced(given, kept):
    answer = Client().get("/health/live", HTTP_X_REQUEST_ID=given)
    if kept:
        assert answer["X-Request-ID"] == given
    else:
        assert answer["X-Request-ID"] != given and logs.well_formed(answer["X-Request-ID"])


def test_every_line_of_a_request_carries_its_id_in_json_and_none_after(captured, network):
    from ..conftest import client_for

    client = client_for(network.manager_a)
    client.get("/api/v1/sites/B1/", HTTP_X_REQUEST_ID="req-404-b1")  # another site's: 404, logged by Django
    logging.getLogger("touchpoint.after").warning("outside any request")
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    refused = [r for r in lines if r["logger"] == "django.request"]
    assert refused and all(r["request_id"] == "req-404-b1" and r["level"] == "WARNING" for r in refused)
    assert lines[-1]["request_id"] == "-" and lines[-1]["message"] == "outside any request"


def test_text_lines_carry_the_id_too():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    token = logs.request_id.set("abc-123")
    try:
        logs.RequestIdFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = logging.Formatter(logs.TEXT_FORMAT).format(record)
    assert "[abc-123] hello" in line


def test_an_unknown_format_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logs.logging_config(log_format="xml", level="INFO")


def test_a_task_run_in_its_callers_process_keeps_the_callers_id():
    from backend.celery import app

    @app.task(name="tests.deploy.request_id_probe")
    def probe():
        return logs.request_id.get()

    token = logs.request_id.set("caller-42")
    try:
        assert probe.apply().get() == "caller-42"  # eager: no message, no header; the caller's id stands
        assert logs.request_id.get() == "caller-42"
    finally:
        logs.request_id.reset(token)
