"""The lockout, and with Redis the sign-in throttle, are shared by every server process: fail on one, be
refused on the other.

Two real gunicorn servers (tests/servers.py) on free loopback ports, on the test run's database."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.servers import Gunicorn, on_test_database


class Server(Gunicorn):
    """gunicorn (tests/servers.py) with one worker on the test database, and what these tests send it."""

    def __init__(self, name: str, log: Path, **extra_env):
        super().__init__(log, "--workers", "1", "--name", name,
                         env=on_test_database(**extra_env))

    def sign_in(self, username: str, password: str, forwarded_for: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.url + "/api/v1/auth/token/", data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as refusal:
            return refusal.code, json.load(refusal)

    def sign_in_from(self, address: str) -> tuple[int, dict]:
        """A wrong password sent from another loopback address (127.0.0.0/8): an address of its own."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(address, 0))
        try:
            connection.request("POST", "/api/v1/auth/token/", body=json.dumps({"username": "nobody", "password": "x"}),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, json.load(response)
        finally:
            connection.close()

    def login_page(self, username: str, password: str) -> tuple[int, str]:
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(self.url + "/accounts/login/", timeout=30).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf})
        request = urllib.request.Request(self.url + "/accounts/login/", data=body.encode(), method="POST",
                                         headers={"Referer": self.url + "/accounts/login/"})
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as refusal:
            return refusal.code, refusal.read().decode()


@pytest.fixture
def start_servers(transactional_db, tmp_path):
    started: list[Server] = []

    def start(**env) -> list[Server]:
        servers = [Server(f"touchpoint-{len(started) + n}", tmp_path / f"server-{len(started) + n}.log", **env)
                   for n in (1, 2)]
        started.extend(servers)
        for server in servers:
            server.wait_ready()
        return servers

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def two_servers(start_servers):
    return start_servers()


def test_failures_on_one_server_lock_the_account_on_the_other(two_servers):
    first, second = two_servers
    get_user_model().objects.create_user("manager.x1", password="right-password")
    status, _ = second.sign_in("manager.x1", "right-password", forwarded_for="203.0.113.1")
    assert status == 200  # the second server works, and a success does not excuse later failures

    for n in range(settings.AXES_FAILURE_LIMIT):
        status, body = first.sign_in("manager.x1", f"guess-{n}", forwarded_for=f"203.0.113.{n + 10}")
        assert status in (400, 429), body
    assert status == 429 and body["code"] == "locked_out"

    status, body = second.sign_in("manager.x1", "right-password", forwarded_for="198.51.100.1")
    assert status == 429, body
    assert body["code"] == "locked_out" and "Try again in 15 minutes" in body["message"]
    status, page = second.login_page("manager.x1", "right-password")
    assert status == 429 and "Signing in is locked" in page


def test_with_redis_the_sign_in_throttle_counts_once_for_every_process(start_servers):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.skip("needs Redis: CI=true make test has it (CELERY_BROKER_URL)")
    first, second = start_servers(CACHE_URL=broker, LOGIN_THROTTLE="4/min")
    # An address of this run's own, so that no other run's count (kept a minute in Redis) is met.
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
    answers = [server.sign_in_from(address) for server in (first, second, first, second, first, second)]
    assert [status for status, _ in answers] == [400, 400, 400, 400, 429, 429]
    assert answers[4][1]["code"] == "throttled"
    # In each process's own memory (no CACHE_URL), each would have let 4 through: 6 would all be 400s.
