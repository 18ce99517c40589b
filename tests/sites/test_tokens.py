"""API tokens per device: issued at sign-in, stored hashed, expiring when idle, listed without their secret,
revoked from any device (head office: anyone's). Every role."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sites.models import DeviceToken
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

FIELDS = {"id", "user", "device_name", "created", "last_used", "expiry"}


def sign_in(username: str, *, device: str | None = None, **headers):
    body = {"username": username, "password": "pw"} | ({"device_name": device} if device is not None else {})
    response = client_for().post("/api/v1/auth/token/", body, format="json", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token: str, scheme: str = "Token"):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return client


def test_signing_in_gives_each_device_its_own_token_in_the_shape_phones_read(network):
    phone = sign_in("manager.a1", device="Anna's phone")
    tablet = sign_in("manager.a1", device="Anna's tablet")
    assert phone["token"] != tablet["token"]
    assert set(phone) == {"token"} | FIELDS
    assert phone["device_name"] == "Anna's phone" and phone["user"] == "manager.a1"
    expiry = dt.datetime.fromisoformat(phone["expiry"])
    assert dt.timedelta(days=29, hours=23) < expiry - timezone.now() <= dt.timedelta(days=30)
    for token in (phone["token"], tablet["token"]):
        assert with_token(token).get("/api/v1/me/").json()["username"] == "manager.a1"


def test_a_token_is_stored_only_as_its_digest(network):
    token = sign_in("manager.a1")["token"]
    row = DeviceToken.objects.get(user=network.manager_a)
    stored = [str(getattr(row, f.attname)) for f in DeviceToken._meta.concrete_fields]
    assert not any(token in value for value in stored)
    assert row.digest != token and len(row.digest) == 128  # SHA-512
    assert row.token_key == token[:15]  # the look-up prefix knox keeps, not enough to sign in with
    assert with_token(row.token_key).get("/api/v1/me/").status_code == 401


def test_the_device_name_defaults_to_the_user_agent(network):
    body = sign_in("manager.a1", HTTP_USER_AGENT="TouchpointApp/2.3 (Android 14; Pixel 8)")
    assert body["device_name"] == "TouchpointApp/2.3 (Android 14; Pixel 8)"
    assert sign_in("manager.a1", device="  ", HTTP_USER_AGENT="curl/8.5")["device_name"] == "curl/8.5"


def test_a_lost_phone_is_signed_out_while_another_device_keeps_working(network):
    phone = sign_in("manager.a1", device="phone (lost)")
    laptop = sign_in("manager.a1", device="laptop")
    devices = with_token(laptop["token"]).get("/api/v1/auth/tokens/").json()["results"]
    assert {d["device_name"] for d in devices} == {"phone (lost)", "laptop"}
    lost = next(d["id"] for d in devices if d["device_name"] == "phone (lost)")

    assert with_token(laptop["token"]).delete(f"/api/v1/auth/tokens/{lost}/").status_code == 204
    refused = with_token(phone["token"]).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["message"] == "Invalid token."
    assert with_token(laptop["token"]).get("/api/v1/me/").status_code == 200
    assert [d["device_name"] for d in with_token(laptop["token"]).get("/api/v1/auth/tokens/").json()["results"]] \
        == ["laptop"]
    # A device may sign itself out too.
    assert with_token(laptop["token"]).delete(f"/api/v1/auth/tokens/{laptop['id']}/").status_code == 204
    assert with_token(laptop["token"]).get("/api/v1/me/").status_code == 401


def test_an_expired_token_is_a_401_that_says_to_sign_in_again(network, settings):
    token = sign_in("manager.a1")["token"]
    DeviceToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    for path in ["/api/v1/me/", "/api/v1/sites/A1/checks/"]:
        response = with_token(token).get(path)
        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "token_expired"
        assert body["message"].startswith("This sign-in expired after 30 days unused; sign in again")
        assert set(body) == {"code", "message", "field", "errors"}
        assert response["WWW-Authenticate"] == "Token"
    # The same answer each time (an expired token is not deleted on use), until its owner signs in again.
    assert with_token(token).get("/api/v1/me/").json()["code"] == "token_expired"
    sign_in("manager.a1")
    assert with_token(token).get("/api/v1/me/").json()["message"] == "Invalid token."


def test_each_use_moves_the_expiry_so_only_an_idle_token_expires(network):
    token = sign_in("manager.a1")["token"]
    almost = timezone.now() + dt.timedelta(hours=1)  # 29 days and 23 hours unused
    DeviceToken.objects.update(expiry=almost, last_used=timezone.now() - dt.timedelta(days=29, hours=23))
    assert with_token(token).get("/api/v1/me/").status_code == 200
    row = DeviceToken.objects.get()
    assert row.expiry - timezone.now() > dt.timedelta(days=29, hours=23)
    assert timezone.now() - row.last_used < dt.timedelta(minutes=1)

    # Used again within the minute: nothing is written (one query to authenticate, none to renew).
    client = with_token(token)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/auth/tokens/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_the_idle_limit_is_a_setting(network, settings):
    from knox.settings import knox_settings

    settings.TOKEN_IDLE_DAYS = 7
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=7)}
    assert knox_settings.TOKEN_TTL == dt.timedelta(days=7)
    body = sign_in("manager.a1")
    assert dt.datetime.fromisoformat(body["expiry"]) - timezone.now() <= dt.timedelta(days=7)
    DeviceToken.objects.update(expiry=timezone.now())
    assert "expired after 7 days unused" in with_token(body["token"]).get("/api/v1/me/").json()["message"]


def test_a_bearer_token_is_accepted_too(network):
    token = sign_in("manager.a1")["token"]
    response = with_token(token, "Bearer").get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == "manager.a1"
    assert with_token("0" * 64, "Bearer").get("/api/v1/me/").json()["message"] == "Invalid token."


def test_the_list_shows_devices_without_their_secrets(network):
    issued = sign_in("manager.a1", device="phone")
    sign_in("manager.b1", device="someone else's phone")
    response = with_token(issued["token"]).get("/api/v1/auth/tokens/")
    assert response.status_code == 200
    (device,) = response.json()["results"]
    assert set(device) == FIELDS and device["id"] == issued["id"] and device["user"] == "manager.a1"
    row = DeviceToken.objects.get(pk=issued["id"])
    for secret in (issued["token"], row.digest, row.token_key):
        assert secret not in response.content.decode()


@pytest.mark.parametrize("persona", ["manager_a", "manager_b", "auditor", "auditor_b1", "head_office"])
def test_every_role_lists_and_revokes_its_own_devices(network, persona):
    user = getattr(network, persona)
    mine = client_for(user, device="mine")
    other = client_for(user, device="other")
    devices = mine.get("/api/v1/auth/tokens/").json()["results"]
    assert [d["device_name"] for d in devices] == ["other", "mine"]  # newest first
    assert mine.delete(f"/api/v1/auth/tokens/{devices[0]['id']}/").status_code == 204
    assert other.get("/api/v1/me/").status_code == 401
    assert mine.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(("persona", "owner", "status"), [
    ("manager_a", "manager_b", 404), ("manager_b", "manager_a", 404), ("auditor", "manager_a", 404),
    ("auditor_b1", "head_office", 404), ("manager_a", "head_office", 404), ("head_office", "manager_a", 204),
])
def test_only_head_office_revokes_another_persons_device(network, persona, owner, status):
    theirs = client_for(getattr(network, owner), device="theirs")
    token_id = DeviceToken.objects.get(user=getattr(network, owner)).pk
    response = client_for(getattr(network, persona)).delete(f"/api/v1/auth/tokens/{token_id}/")
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "not_found"
        assert theirs.get("/api/v1/me/").status_code == 200
    else:
        assert theirs.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(("persona", "status"), [("manager_a", 404), ("auditor", 404), ("auditor_b1", 404),
                                                 ("head_office", 200)])
def test_only_head_office_lists_another_persons_devices(network, persona, status):
    client_for(network.manager_b, device="B1's phone")
    response = client_for(getattr(network, persona)).get("/api/v1/auth/tokens/?user=manager.b1")
    assert response.status_code == status
    if status == 200:
        assert [d["device_name"] for d in response.json()["results"]] == ["B1's phone"]
    else:
        assert response.json()["field"] == "user"
    assert client_for(network.head_office).get("/api/v1/auth/tokens/?user=nobody").status_code == 404


def test_a_deleted_token_id_and_anonymous_callers_are_refused(network):
    client = client_for(network.head_office)
    assert client.delete("/api/v1/auth/tokens/999999/").status_code == 404
    assert client_for().get("/api/v1/auth/tokens/").status_code == 401
    assert client_for().delete("/api/v1/auth/tokens/1/").status_code == 401


def test_the_device_list_costs_the_same_queries_however_many_devices(network):
    client = client_for(network.manager_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/auth/tokens/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(15):
        client_for(network.manager_a, device=f"device {n}")
    assert count() == before
    assert before <= 3  # token, count, page


def test_the_schema_documents_the_devices_and_both_schemes(tmp_path):
    import yaml
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["tokenAuth"]["in"] == "header" and "expires" in schemes["tokenAuth"]["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]
    assert "get" in schema["paths"]["/api/v1/auth/tokens/"]
    assert "delete" in schema["paths"]["/api/v1/auth/tokens/{token_id}/"]
    answer = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["200"]["content"]["application/json"]
    issued = schema["components"]["schemas"][answer["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"token", "id", "expiry"} <= set(issued["properties"])
    listed = schema["components"]["schemas"]["DeviceToken"]["properties"]
    assert set(listed) == FIELDS


def test_expired_tokens_of_people_who_never_sign_in_again_are_purged_by_the_scheduled_task(network):
    from sites.tasks import purge_expired_tokens

    idle = sign_in("manager.a1", device="old phone")
    live = sign_in("manager.b1", device="phone")
    DeviceToken.objects.filter(pk=idle["id"]).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert purge_expired_tokens() == 1
    assert purge_expired_tokens() == 0  # safe to run twice
    assert list(DeviceToken.objects.values_list("pk", flat=True)) == [live["id"]]
    assert with_token(live["token"]).get("/api/v1/me/").status_code == 200


def test_a_nul_in_the_user_asked_for_is_a_400_naming_it(network):
    response = client_for(network.head_office).get("/api/v1/auth/tokens/", {"user": "a\x00b"})
    assert response.status_code == 400 and response.json()["field"] == "user"


def test_signing_in_with_a_misspelt_field_is_refused_naming_it(network):
    response = client_for().post("/api/v1/auth/token/", {"username": "manager.a1", "password": "pw",
                                                         "devicename": "Anna's phone"}, format="json")
    assert response.status_code == 400
    assert "devicename" in response.json()["message"]
