"""Lockout after repeated failed sign-ins, on every way in (the token endpoint, the login page, the admin),
keyed on the username and on the client's address as our trusted proxies report it, never on what the
client writes in X-Forwarded-For."""

import pytest
from django.test import Client, RequestFactory, override_settings
from rest_framework.throttling import ScopedRateThrottle

from sites.lockout import client_address
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

WAYS = ["token", "login page", "admin"]


@pytest.fixture(autouse=True)
def _no_sign_in_throttle(monkeypatch):
    """DRF's throttle (20 a minute from one address) would answer first: this is about the lockout."""
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "10000/min")


def attempt(way: str, username: str, password: str, *, forwarded_for: str | None = None,
            address: str = "127.0.0.1"):
    headers = {"REMOTE_ADDR": address} | ({"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {})
    if way == "token":
        return client_for().post("/api/v1/auth/token/", {"username": username, "password": password},
                                 format="json", **headers)
    path = "/accounts/login/" if way == "login page" else "/admin/login/?next=/admin/"
    return Client().post(path, {"username": username, "password": password}, **headers)


def signed_in(way: str, response) -> bool:
    if way == "token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302  # to next: the login form answers 200 with its errors otherwise


def assert_locked(way: str, response):
    assert response.status_code == 429, (way, response.status_code, response.content[:300])
    assert int(response["Retry-After"]) == 15 * 60
    text = response.json()["message"] if way == "token" else response.content.decode()
    assert "Too many failed sign-ins" in text and "Try again in 15 minutes" in text
    if way == "token":
        assert response.json()["code"] == "locked_out"
        assert set(response.json()) == {"code", "message", "field", "errors"}


@pytest.mark.parametrize("failing_way", WAYS)
def test_thirty_wrong_passwords_lock_the_account_on_every_way_in_whatever_x_forwarded_for_says(network, failing_way):
    network.head_office.is_staff = True  # the admin lets only staff in
    network.head_office.save(update_fields=["is_staff"])
    answers = [attempt(failing_way, "head.office", f"guess-{n}", forwarded_for=f"203.0.113.{n}") for n in range(30)]
    assert not any(signed_in(failing_way, a) for a in answers)
    # The limit (10 by default) is reached well before the 30th, however the header claimed to come from.
    assert_locked(failing_way, answers[10])
    assert_locked(failing_way, answers[-1])
    for way in WAYS:
        # The right password is refused too, and from another address: the username is locked.
        assert_locked(way, attempt(way, "head.office", "pw", forwarded_for="198.51.100.1"))
        assert_locked(way, attempt(way, "head.office", "pw", address="198.51.100.2"))
    # Another person signs in as usual from another address.
    assert signed_in("token", attempt("token", "manager.a1", "pw", address="198.51.100.3"))


def test_below_the_limit_the_right_password_still_signs_in(network, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt("token", "manager.a1", f"guess-{n}").status_code == 400
    assert signed_in("token", attempt("token", "manager.a1", "pw"))


def test_guessing_many_usernames_from_one_address_locks_that_address(network, settings):
    # The demo's logins follow a pattern: one guess for each of many managers must not go on for ever.
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = attempt("token", f"manager.site-{n}", "demo", forwarded_for=f"192.0.2.{n}")
    assert_locked("token", response)
    for way in WAYS:
        assert_locked(way, attempt(way, "manager.a1", "pw", forwarded_for="192.0.2.200"))
    assert signed_in("token", attempt("token", "manager.a1", "pw", address="198.51.100.9"))


def test_the_lock_lifts_after_the_cool_off(network, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("token", "manager.a1", f"guess-{n}")
    assert_locked("token", attempt("token", "manager.a1", "pw"))
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert signed_in("token", attempt("token", "manager.a1", "pw"))


def test_the_client_address_is_the_one_our_trusted_proxies_report():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_address(request) == "10.0.0.5"  # no proxy of ours: the header is the client's own word
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "NUM_PROXIES": 1}):
        assert client_address(request) == "203.0.113.7"  # what our one proxy saw, not what the client wrote
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "NUM_PROXIES": 2}):
        assert client_address(request) == "6.6.6.6"


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_the_deploy_check_asks_for_a_shared_cache(settings):
    from sites.checks import sign_in_limits_are_shared

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in sign_in_limits_are_shared(None)] == ["sites.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/1"}}
    assert sign_in_limits_are_shared(None) == []
