"""Who may attach, confirm and read evidence; bad requests that store nothing; pinned query counts.
Uses the multipart path, which works on S3 and on local disk alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consistency.models import CorrectiveAction, Criterion, Evidence

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo, sha

# Dated 2026-03-10, long past: the window that closes a day to new photos is stretched back to it.
pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))


def upload(client, check, data=None, **fields):
    fields.setdefault("criterion", "restroom_clean")
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data or photo(seed=1), **fields),
                       format="multipart")


def test_manager_uploads_to_own_check(network, check):
    response = upload(client_for(network.manager_a), check)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "verified" and response.json()["upload"] is None


@pytest.mark.parametrize("who, expected", [("manager_b", 404), ("auditor_b1", 404), ("auditor", 403)])
def test_others_cannot_attach(network, check, who, expected):
    response = upload(client_for(getattr(network, who)), check)
    assert response.status_code == expected
    json_response = client_for(getattr(network, who)).post(
        f"/api/v1/checks/{check.pk}/evidence/",
        {"criterion": "restroom_clean", "content_type": "image/jpeg", "size": 10, "sha256": "a" * 64}, format="json")
    assert json_response.status_code == expected
    assert not Evidence.objects.exists()


def test_head_office_may_attach_anywhere(network, check):
    assert upload(client_for(network.head_office), check).status_code == 201


@pytest.mark.parametrize("who, read, confirm", [
    ("manager_a", 200, 200), ("auditor", 200, 403), ("head_office", 200, 200),
    ("manager_b", 404, 404), ("auditor_b1", 404, 404),
])
def test_reading_and_confirming_is_scoped(network, check, who, read, confirm):
    evidence_id = upload(client_for(network.manager_a), check).json()["id"]
    client = client_for(getattr(network, who))
    assert client.get(f"/api/v1/evidence/{evidence_id}/").status_code == read
    assert client.get(f"/api/v1/checks/{check.pk}/evidence/").status_code == read
    assert client.post(f"/api/v1/evidence/{evidence_id}/confirm/").status_code == confirm


def test_anonymous_is_refused(network, check):
    assert upload(client_for(None), check).status_code == 401


BAD_JSON = [
    ({"content_type": "image/jpeg", "size": 100, "sha256": "a" * 64}, 400, "criterion"),
    ({"criterion": "no_such_thing", "content_type": "image/jpeg", "size": 100, "sha256": "a" * 64}, 400,
     "criterion"),
    ({"criterion": "restroom_clean", "content_type": "image/gif", "size": 100, "sha256": "a" * 64}, 400,
     "content_type"),
    ({"criterion": "restroom_clean", "content_type": "text/html", "size": 100, "sha256": "a" * 64}, 400,
     "content_type"),
    ({"criterion": "restroom_clean", "content_type": "image/jpeg", "size": 0, "sha256": "a" * 64}, 400, "size"),
    ({"criterion": "restroom_clean", "content_type": "image/jpeg", "size": "big", "sha256": "a" * 64}, 400, "size"),
    ({"criterion": "restroom_clean", "content_type": "image/jpeg", "size": 100, "sha256": "xyz"}, 400, "sha256"),
    ({"criterion": "restroom_clean", "content_type": "image/jpeg", "size": 100}, 400, "sha256"),
    ({"criterion": "restroom_clean", "content_type": "image/jpeg", "size": 10**9, "sha256": "a" * 64}, 413, "size"),
]


@pytest.mark.parametrize("body, status, field", BAD_JSON)
def test_bad_requests_name_the_field_and_store_nothing(network, check, settings, body, status, field):
    settings.STORAGE_BACKEND = "s3"  # the shape is checked before the storage is asked anything
    response = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/", body, format="json")
    assert response.status_code == status, response.json()
    out = response.json()
    assert out["field"] == field and out["message"] and out["errors"]
    assert not Evidence.objects.exists()


def test_multipart_without_a_file_or_with_a_bad_criterion(network, check):
    client = client_for(network.manager_a)
    response = client.post(f"/api/v1/checks/{check.pk}/evidence/", {"criterion": "restroom_clean"},
                           format="multipart")
    assert response.status_code == 400 and response.json()["field"] == "file"
    response = upload(client, check, criterion="phone_ringz")
    assert response.status_code == 400 and response.json()["field"] == "criterion"
    response = client.post(f"/api/v1/checks/{check.pk}/evidence/",
                           multipart(photo(seed=2), name="x.gif", content_type="image/gif",
                                     criterion="restroom_clean"), format="multipart")
    assert response.status_code == 400 and response.json()["field"] == "file"
    response = upload(client, check, sha256="0" * 64)
    assert response.status_code == 422 and response.json()["field"] == "sha256"
    assert not Evidence.objects.exists()


def test_criterion_of_another_version_is_refused(network, check, standard):
    from tests.factories import published_version, small_standard_doc

    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"].append({"key": "uniform", "prompt": "Uniform and name tag",
                                               "kind": "boolean", "weight": 1})
    newer = published_version(doc, effective_from=dt.date(2026, 6, 1))
    assert Criterion.objects.filter(version=newer, key="uniform").exists()
    response = upload(client_for(network.manager_a), check, criterion="uniform")
    assert response.status_code == 400 and response.json()["field"] == "criterion"
    assert "standard version" in response.json()["message"]


def test_superseded_check_takes_no_photos(network, check):
    check.is_current = False
    check.save(update_fields=["is_current"])
    response = upload(client_for(network.manager_a), check)
    assert response.status_code == 409 and response.json()["code"] == "check_superseded"


def test_photo_count_is_capped(network, check, monkeypatch):
    from consistency.services.evidence import targets

    monkeypatch.setattr(targets, "MAX_PHOTOS_PER_CRITERION", 2)
    client = client_for(network.manager_a)
    assert upload(client, check, photo(seed=1)).status_code == 201
    assert upload(client, check, photo(seed=2)).status_code == 201
    response = upload(client, check, photo(seed=3))
    assert response.status_code == 409 and response.json()["code"] == "too_many_photos"


PINNED_LIST_QUERIES = 4  # token with its user, profile, the check in scope, the evidence with its joins


@pytest.fixture
def action(network, check):
    criterion = Criterion.objects.get(version=check.version, key="restroom_clean")
    return CorrectiveAction.objects.create(site=network.a1, daily_check=check, criterion=criterion,
                                           opened_at=timezone.now(), due_on=dt.date(2026, 3, 13))


def test_action_evidence(network, action):
    client = client_for(network.manager_a)
    response = client.post(f"/api/v1/actions/{action.pk}/evidence/", multipart(photo(seed=20)), format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["action"] == action.pk and body["check"] is None and body["criterion"] == "restroom_clean"
    assert Evidence.objects.filter(action=action, status="verified").count() == 1
    assert [e["id"] for e in client.get(f"/api/v1/actions/{action.pk}/evidence/").json()] == [body["id"]]

    wrong = client.post(f"/api/v1/actions/{action.pk}/evidence/",
                        multipart(photo(seed=21), criterion="phone_rings"), format="multipart")
    assert wrong.status_code == 400 and wrong.json()["field"] == "criterion"
    for who, status in [("manager_b", 404), ("auditor", 403), ("auditor_b1", 404)]:
        response = client_for(getattr(network, who)).post(f"/api/v1/actions/{action.pk}/evidence/",
                                                          multipart(photo(seed=22)), format="multipart")
        assert response.status_code == status

    action.status = "resolved"
    action.save(update_fields=["status"])
    closed = client.post(f"/api/v1/actions/{action.pk}/evidence/", multipart(photo(seed=23)), format="multipart")
    assert closed.status_code == 409 and closed.json()["code"] == "action_resolved"


def test_list_query_count_is_pinned(network, check):
    client = client_for(network.head_office)
    for seed in range(2):
        assert upload(client, check, photo(seed=seed)).status_code == 201

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/checks/{check.pk}/evidence/")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json())

    few = count()
    for seed in range(2, 6):
        assert upload(client, check, photo(seed=seed)).status_code == 201
    many = count()
    assert few == (few[0], 2) and many == (few[0], 6)
    assert few[0] == PINNED_LIST_QUERIES


def test_reused_from_names_another_site_only_to_its_readers(network, standard):
    data = photo(seed=30)
    b_check = make_check(network.b1, standard, network.manager_b, date=dt.date(2026, 3, 9))
    a_check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    first = upload(client_for(network.manager_b), b_check, data).json()
    second = upload(client_for(network.manager_a), a_check, data).json()
    assert second["reused"] is True
    assert second["reused_from"] is None  # manager A may not read site B1
    seen_by_head_office = client_for(network.head_office).get(f"/api/v1/evidence/{second['id']}/").json()
    assert seen_by_head_office["reused_from"] == {"id": first["id"], "site": "B1", "day": "2026-03-09",
                                                  "check": b_check.pk}
    assert seen_by_head_office["sha256"] == sha(data)
