"""A web request's SQL is cut at REQUEST_STATEMENT_TIMEOUT_MS and answered 503 with a message, nothing saved;
workers and commands keep no limit. Through gunicorn (``backend.wsgi``, the one place the limit is set), on the
check submission and a page, each held up by a lock this test holds from another connection."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import psycopg
import pytest
from django.db import connection

from consistency.models import DailyCheck
from sites import tokens
from tests.consistency.checks_support import check_body
from tests.servers import test_database_url

from .conftest import STATEMENT_LIMIT_MS as LIMIT_MS


def _send(request: urllib.request.Request, opener=None) -> tuple[int, dict, bytes, float]:
    started = time.monotonic()
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read(), time.monotonic() - started
    except urllib.error.HTTPError as refusal:
        return refusal.code, dict(refusal.headers), refusal.read(), time.monotonic() - started


def _holding(sql: str) -> psycopg.Connection:
    """Another connection to the test database, in a transaction holding what ``sql`` locks."""
    other = psycopg.connect(test_database_url().replace("postgres://", "postgresql://", 1))
    other.execute(sql)
    return other


def test_a_submission_waiting_on_a_lock_is_cut_and_answered_503_and_its_retry_succeeds(server, network, standard):
    _, token = tokens.token_issue(user=network.manager_a, device_name="phone")
    body = json.dumps(check_body(network.a1)).encode()
    key = str(uuid.uuid4())

    def submit():
        return _send(urllib.request.Request(
            f"{server.url}/api/v1/sites/A1/checks/", data=body, method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key}))

    # Every writer of a site's days takes the site's row lock first (consistency.services.rollup.lock_site).
    held = _holding(f"SELECT 1 FROM sites_site WHERE id = {network.a1.pk} FOR UPDATE")
    try:
        status, headers, content, seconds = submit()
    finally:
        held.rollback()
        held.close()
    assert status == 503, content
    answer = json.loads(content)
    assert answer["code"] == "timeout" and "REQUEST_STATEMENT_TIMEOUT_MS" in answer["message"]
    assert headers["Retry-After"] == "5"
    assert LIMIT_MS / 1000 <= seconds < 30  # cut by the database, not by gunicorn's worker timeout (60 s)
    assert not DailyCheck.objects.exists()  # nothing half-saved

    status, _, content, _ = submit()  # the phone's retry, with its key, once the lock is gone
    assert status == 201, content
    assert DailyCheck.objects.count() == 1


def test_a_page_held_up_by_a_lock_is_answered_with_the_503_page(server, network, standard):
    network.head_office.set_password("secret-pass-1")
    network.head_office.save()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    form = opener.open(f"{server.url}/accounts/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    login = urllib.parse.urlencode({"username": "head.office", "password": "secret-pass-1",
                                    "csrfmiddlewaretoken": csrf}).encode()
    status, _, _, _ = _send(urllib.request.Request(f"{server.url}/accounts/login/", data=login, method="POST",
                                                   headers={"Referer": f"{server.url}/accounts/login/"}), opener)
    assert status == 200
    # Something a migration could hold: the sites table locked whole, which every page reads.
    held = _holding("LOCK TABLE sites_site IN ACCESS EXCLUSIVE MODE")
    try:
        status, headers, content, _ = _send(urllib.request.Request(f"{server.url}/app/sites/A1/"), opener)
    finally:
        held.rollback()
        held.close()
    assert status == 503, content[:500]
    assert b"Taking too long" in content and b"nothing was changed" in content
    assert headers["Retry-After"] == "5"
    status, _, _, _ = _send(urllib.request.Request(f"{server.url}/app/sites/A1/"), opener)
    assert status == 200


@pytest.mark.django_db
def test_workers_and_commands_keep_no_limit(settings):
    # The test process is one that never imports backend.wsgi, as a Celery worker or manage.py does not.
    settings.REQUEST_STATEMENT_TIMEOUT_MS = LIMIT_MS
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
