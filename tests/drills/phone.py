"""A phone as the drills drive it: real HTTP to a server process, a token of its own, and the retry rule the
checklist page follows (tests/pages and pages/static: one Idempotency-Key per request, kept across retries,
retried until the server answers something other than a failure that may pass)."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from sites import tokens

from ..servers import on_test_database

# What a phone retries: no answer at all, the server or a proxy failing (5xx), and the key still being answered
# by a request that the server may have lost (409 idempotency_in_progress). Anything else is the answer.
RETRYABLE = {500, 502, 503, 504}


def server_env(**extra) -> dict:
    """The environment a server or worker process of a drill needs: the test run's database (pytest-django's
    test database), settings and everything else from this process's environment."""
    return on_test_database(**extra)


@dataclass
class Outcome:
    status: int
    body: dict
    attempts: int
    failures: list[str] = field(default_factory=list)
    headers: dict = field(default_factory=dict)


class Phone:
    def __init__(self, base_url: str, user, *, timeout: float = 20):
        _, token = tokens.token_issue(user=user, device_name=f"drill {uuid.uuid4().hex[:6]}")
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.token = token

    def post(self, path: str, json: dict | None = None, *, key: str | None = None) -> requests.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.session.post(self.base_url + path, json=json, headers=headers, timeout=self.timeout)

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=self.timeout)

    def post_until_answered(self, path: str, json: dict | None = None, *, key: str, deadline: float,
                            pause: float = 0.2, on_failure=None) -> Outcome:
        """POST with the one key until the server answers (not a retryable failure) or ``deadline`` (a
        ``time.monotonic()``) passes. ``on_failure(text)`` sees each failed attempt."""
        attempts, failures = 0, []
        while True:
            attempts += 1
            try:
                response = self.post(path, json, key=key)
                retry = response.status_code in RETRYABLE or (
                    response.status_code == 409 and _code(response) == "idempotency_in_progress")
                if not retry:
                    return Outcome(response.status_code, _json(response), attempts, failures, dict(response.headers))
                failures.append(f"{response.status_code} {_code(response)}")
            except requests.RequestException as exc:
                failures.append(type(exc).__name__)
            if on_failure:
                on_failure(failures[-1])
            if time.monotonic() > deadline:
                return Outcome(0, {}, attempts, failures)
            time.sleep(pause)


def _json(response) -> dict:
    try:
        return response.json()
    except ValueError:
        return {"text": response.text[:200]}


def _code(response) -> str:
    return str(_json(response).get("code", ""))


def upload_photo(phone: Phone, check_id: int, criterion: str, data: bytes) -> str:
    """Ask for a photo's upload and upload it to the presigned POST (straight to S3): its evidence id."""
    asked = phone.post(f"/api/v1/checks/{check_id}/evidence/", {
        "criterion": criterion, "content_type": "image/jpeg", "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})
    assert asked.status_code == 201, asked.text
    body = asked.json()
    upload = body["upload"]
    sent = requests.post(upload["url"], data=upload["fields"],
                         files={"file": ("photo.jpg", data, "image/jpeg")}, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    return body["id"]


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port
