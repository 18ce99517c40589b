"""One Idempotency-Key protocol for every POST a phone retries, as the check submission has it: the evidence
request (JSON and multipart), its confirmation and an action's resolution. A retry with the key and the same
body answers the first answer's status and very bytes with ``Idempotent-Replayed: true`` and does nothing
again; the key with another body is a 422 ``idempotency_mismatch``; while the first is still being answered,
a 409 ``idempotency_in_progress``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings

from consistency.models import CorrectiveAction, Criterion, Evidence, IdempotencyRecord
from consistency.services import idempotency

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo, post_form, sha

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")
needs_s3 = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                              reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)")


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))


@pytest.fixture
def action(network, check):
    criterion = Criterion.objects.get(version=check.version, key="phone_greeting")  # needs no photo
    return CorrectiveAction.objects.create(site=network.a1, daily_check=check, criterion=criterion,
                                           opened_at=check.received_at, due_on=check.date + dt.timedelta(days=3))


def post_json(client, path, body: dict, key: str | None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def upload(client, check, data, key: str | None, criterion="restroom_clean"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion=criterion),
                       format="multipart", headers=headers)


def in_flight(user, key: str, *, path: str, body: bytes) -> None:
    """The claim a first request holds while it is being answered."""
    IdempotencyRecord.objects.create(user=user, key=key, request_fingerprint=idempotency.fingerprint(
        method="POST", path=path, body=body))


def assert_replay(first, again):
    assert again.status_code == first.status_code
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.content == first.content  # the very bytes, links and all


# --- an action's resolution -----------------------------------------------------------------------

def test_resolve_replayed_with_its_key(network, action):
    client = client_for(network.manager_a)
    path = f"/api/v1/actions/{action.pk}/resolve/"
    first = post_json(client, path, {"note": "Greeting practised with the team."}, "resolve-1")
    assert first.status_code == 200, first.json()
    resolved_at = CorrectiveAction.objects.get(pk=action.pk).resolved_at
    again = post_json(client, path, {"note": "Greeting practised with the team."}, "resolve-1")
    assert_replay(first, again)
    assert again.json()["status"] == "resolved"
    assert CorrectiveAction.objects.get(pk=action.pk).resolved_at == resolved_at
    # Without a key a second resolution is what it always was: already resolved.
    plain = post_json(client, path, {"note": "Greeting practised with the team."}, None)
    assert plain.status_code == 409 and plain.json()["code"] == "already_resolved"


def test_resolve_key_with_another_body_is_refused(network, action):
    client = client_for(network.manager_a)
    path = f"/api/v1/actions/{action.pk}/resolve/"
    assert post_json(client, path, {"note": "Done."}, "resolve-2").status_code == 200
    other = post_json(client, path, {"note": "Something else."}, "resolve-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert other.json()["field"] == "Idempotency-Key"


def test_resolve_in_flight_is_a_409_and_a_refusal_frees_the_key(network, action):
    client = client_for(network.manager_a)
    path = f"/api/v1/actions/{action.pk}/resolve/"
    body = {"note": "Done."}
    in_flight(network.manager_a, "resolve-3", path=path, body=json.dumps(body).encode())
    busy = post_json(client, path, body, "resolve-3")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
    assert CorrectiveAction.objects.get(pk=action.pk).status == "open"
    # A refusal stores nothing: the same key with the corrected body runs.
    refused = post_json(client, path, {"note": " "}, "resolve-4")
    assert refused.status_code == 400 and refused.json()["field"] == "note"
    assert post_json(client, path, body, "resolve-4").status_code == 200


def test_a_bad_key_is_refused_naming_the_header(network, action):
    response = post_json(client_for(network.manager_a), f"/api/v1/actions/{action.pk}/resolve/", {"note": "x"},
                         "x" * 256)
    assert response.status_code == 400 and response.json()["field"] == "Idempotency-Key"
    assert CorrectiveAction.objects.get(pk=action.pk).status == "open"


# --- multipart upload -----------------------------------------------------------------------------

def test_multipart_replayed_with_its_key(network, check, storage_writes):
    client = client_for(network.manager_a)
    data = photo(seed=501)
    first = upload(client, check, data, "photo-1")
    assert first.status_code == 201, first.json()
    written = list(storage_writes)
    again = upload(client, check, data, "photo-1")
    assert_replay(first, again)
    assert storage_writes == written and Evidence.objects.count() == 1


def test_multipart_key_with_another_photo_is_refused(network, check):
    client = client_for(network.manager_a)
    assert upload(client, check, photo(seed=502), "photo-2").status_code == 201
    other = upload(client, check, photo(seed=503), "photo-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert Evidence.objects.count() == 1
    # Another criterion with the same photo and key is another request too.
    assert upload(client, check, photo(seed=502), "photo-2", criterion="phone_greeting").status_code == 422


def test_multipart_in_flight_is_a_409(network, check):
    data = photo(seed=504)
    path = f"/api/v1/checks/{check.pk}/evidence/"
    in_flight(network.manager_a, "photo-3", path=path,
              body="\n".join(["restroom_clean", "", "image/jpeg", sha(data)]).encode())
    busy = upload(client_for(network.manager_a), check, data, "photo-3")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
    assert not Evidence.objects.exists()


def test_multipart_with_a_new_key_for_a_photo_already_here_is_still_a_retry(network, check):
    # The phone's key changed between attempts (an app restart): the service still knows the bytes.
    client = client_for(network.manager_a)
    data = photo(seed=505)
    first = upload(client, check, data, "photo-4")
    again = upload(client, check, data, "photo-5")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


# --- direct upload: the request and its confirmation ----------------------------------------------

def ask(client, check, data, key):
    return post_json(client, f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)}, key)


@needs_s3
def test_request_replayed_with_its_key(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=511)
    first = ask(client, check, data, "ask-1")
    assert first.status_code == 201, first.json()
    assert_replay(first, ask(client, check, data, "ask-1"))
    assert Evidence.objects.count() == 1
    other = ask(client, check, photo(seed=512), "ask-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"


@needs_s3
def test_request_in_flight_is_a_409(network, check):
    data = photo(seed=513)
    body = {"criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)}
    in_flight(network.manager_a, "ask-2", path=f"/api/v1/checks/{check.pk}/evidence/", body=json.dumps(body).encode())
    busy = ask(client_for(network.manager_a), check, data, "ask-2")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
    assert not Evidence.objects.exists()


@needs_s3
def test_confirmation_replayed_with_its_key(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=514)
    body = ask(client, check, data, None).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    path = f"/api/v1/evidence/{body['id']}/confirm/"
    first = client.post(path, headers={"Idempotency-Key": "confirm-1"})
    assert first.status_code == 200 and first.json()["status"] == "verified"
    assert_replay(first, client.post(path, headers={"Idempotency-Key": "confirm-1"}))
    # The same key for another photo's confirmation is another request.
    second = ask(client, check, photo(seed=515), None).json()
    other = client.post(f"/api/v1/evidence/{second['id']}/confirm/", headers={"Idempotency-Key": "confirm-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"


@needs_s3
def test_a_refused_photo_is_recorded_and_its_refusal_replayed(network, check):
    # The refusal is the photo's verdict, kept for auditors: the key's transaction does not undo it.
    client = client_for(network.manager_a)
    data = photo(seed=516)
    body = ask(client, check, data, None).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], photo(seed=517))  # not the bytes declared
    path = f"/api/v1/evidence/{body['id']}/confirm/"
    first = client.post(path, headers={"Idempotency-Key": "confirm-2"})
    assert first.status_code == 422 and first.json()["code"] == "photo_rejected"
    assert Evidence.objects.get(public_id=body["id"]).status == "rejected"
    assert_replay(first, client.post(path, headers={"Idempotency-Key": "confirm-2"}))


@needs_s3
def test_confirmation_in_flight_and_not_uploaded_yet(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=518)
    body = ask(client, check, data, None).json()
    path = f"/api/v1/evidence/{body['id']}/confirm/"
    # Not uploaded yet: a 409 that stores nothing, so the same key confirms once the photo is up.
    early = client.post(path, headers={"Idempotency-Key": "confirm-3"})
    assert early.status_code == 409 and early.json()["code"] == "not_uploaded"
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    in_flight(network.manager_a, "confirm-4", path=path, body=b"")
    busy = client.post(path, headers={"Idempotency-Key": "confirm-4"})
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
    assert Evidence.objects.get(public_id=body["id"]).status == "pending"
    assert client.post(path, headers={"Idempotency-Key": "confirm-3"}).status_code == 200


@needs_s3
@pytest.mark.django_db(transaction=True)
def test_with_a_key_the_photo_s_storage_work_runs_outside_any_transaction(network, check, monkeypatch):
    # The key's record must not hold a transaction (and the site's lock) open across S3 reads and writes.
    from django.db import connection

    from consistency import storage

    seen = []
    for name in ("fetch", "put_new_all"):
        real = getattr(storage, name)

        def spy(*args, _real=real, **kwargs):
            seen.append(connection.in_atomic_block)
            return _real(*args, **kwargs)

        monkeypatch.setattr(storage, name, spy)
    client = client_for(network.manager_a)
    data = photo(seed=517)
    body = ask(client, check, data, "ask-tx").json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    confirmed = client.post(f"/api/v1/evidence/{body['id']}/confirm/", headers={"Idempotency-Key": "confirm-tx"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "verified"
    uploaded = upload(client, check, photo(seed=518), "upload-tx", criterion="phone_greeting")
    assert uploaded.status_code == 201, uploaded.json()
    assert seen and not any(seen), seen
