"""An audit's photos: the checks' evidence flow with the audit as its target (a presigned POST confirmed by
/evidence/{id}/confirm/, or multipart where no S3 is configured). Only the audit's author or head office adds
them; they re-judge no check and count in no variance total; a mystery shop's photos never name the shopper."""

from __future__ import annotations

import pytest
from django.conf import settings

from consistency.models import CheckResult, DailyCheck, Evidence, SitePhotoDay
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, local_today, submit
from tests.consistency.evidence_factories import multipart, photo, post_form, sha

from .audit_support import audit_body, post_audit

pytestmark = pytest.mark.django_db
s3_only = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need an S3 endpoint")


def make_audit(network, persona="auditor", kind="audit", code="A1") -> int:
    site = getattr(network, code.lower())
    response = post_audit(client_for(getattr(network, persona)), code, audit_body(site, kind=kind))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def ask(client, audit_id: int, data: bytes, criterion="restroom_clean"):
    return client.post(f"/api/v1/audits/{audit_id}/evidence/", {
        "criterion": criterion, "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)}, format="json")


@s3_only
def test_a_direct_upload_confirmed_is_verified_and_touches_no_check_nor_variance_total(network, standard):
    # The site's own check of the day owes a photo for restroom_clean: the audit's photo is not it.
    check = submit(client_for(network.manager_a), "A1", check_body(network.a1))
    assert check.status_code == 201, check.json()
    before = (DailyCheck.objects.get().score, list(CheckResult.objects.values_list("criterion__key", "passed")))
    photo_days_before = list(SitePhotoDay.objects.values_list("site_id", "day", "verified"))

    audit_id = make_audit(network)
    data = photo(seed=31)
    client = client_for(network.auditor)
    asked = ask(client, audit_id, data)
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert body["audit"] == audit_id and body["check"] is None and body["status"] == "pending"
    evidence = Evidence.objects.get(public_id=body["id"])
    assert evidence.key.startswith(f"sites/A1/audits/{audit_id}/") and evidence.day == local_today(network.a1)
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
    confirmed = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "verified" and confirmed.json()["uploaded_by"] == "auditor"

    assert (DailyCheck.objects.get().score, list(CheckResult.objects.values_list("criterion__key", "passed"))) \
        == before
    assert list(SitePhotoDay.objects.values_list("site_id", "day", "verified")) == photo_days_before
    detail = client.get(f"/api/v1/audits/{audit_id}/").json()
    assert [e["id"] for e in detail["evidence"]] == [body["id"]] and detail["evidence"][0]["status"] == "verified"
    listed = client.get(f"/api/v1/audits/{audit_id}/evidence/").json()
    assert [e["id"] for e in listed] == [body["id"]] and listed[0]["url"]
    # One photo proves one criterion of the audit.
    again = ask(client, audit_id, data, criterion="phone_greeting")
    assert again.status_code == 409 and again.json()["code"] == "already_attached"


def test_a_multipart_upload_where_photos_stay_on_disk(network, standard, local_storage):
    audit_id = make_audit(network)
    data = photo(seed=32)
    response = client_for(network.auditor).post(f"/api/v1/audits/{audit_id}/evidence/",
                                                multipart(data, criterion="phone_rings"), format="multipart")
    assert response.status_code == 201, response.json()
    evidence = Evidence.objects.get()
    assert evidence.audit_id == audit_id and evidence.status == "verified" and evidence.daily_check_id is None
    assert (local_storage / evidence.key).read_bytes() == data
    assert not SitePhotoDay.objects.exists()
    # The retry of the same bytes is the same evidence.
    again = client_for(network.auditor).post(f"/api/v1/audits/{audit_id}/evidence/",
                                             multipart(data, criterion="phone_rings"), format="multipart")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    assert Evidence.objects.count() == 1


def test_a_photo_is_of_a_criterion_the_audit_observed(network, standard, local_storage):
    client = client_for(network.auditor)
    response = post_audit(client, "A1", audit_body(network.a1, values={"phone_greeting": True}))
    audit_id = response.json()["id"]
    for criterion, word in [("restroom_clean", "not observed"), ("nope", "not a criterion")]:
        answer = client.post(f"/api/v1/audits/{audit_id}/evidence/", multipart(photo(seed=33), criterion=criterion),
                             format="multipart")
        assert answer.status_code == 400 and answer.json()["field"] == "criterion" and word in answer.json()["message"]
    assert not Evidence.objects.exists()


# The auditor's audit of A1 and the shopper's mystery shop of A1: who may add photos to each.
ADD = [
    ("auditor", "audit", 201), ("head_office", "audit", 201), ("auditor", "shop", 403), ("head_office", "shop", 201),
    ("shopper", "shop", 201), ("shopper", "audit", 404), ("manager_a", "audit", 403), ("manager_a", "shop", 403),
    ("accountant", "audit", 403), ("manager_b", "audit", 404), ("auditor_b1", "shop", 404),
]


@pytest.mark.parametrize("persona, which, expected", ADD)
def test_only_the_author_or_head_office_adds_photos(network, standard, local_storage, persona, which, expected):
    audit_id = make_audit(network) if which == "audit" else make_audit(network, "shopper", "mystery_shop")
    response = client_for(getattr(network, persona)).post(
        f"/api/v1/audits/{audit_id}/evidence/", multipart(photo(seed=34), criterion="phone_rings"), format="multipart")
    assert response.status_code == expected, response.json()
    assert Evidence.objects.count() == (1 if expected == 201 else 0)


@s3_only
@pytest.mark.parametrize("author, persona, expected", [
    ("auditor", "manager_a", 403), ("head_office", "auditor", 403), ("auditor", "manager_b", 404),
    ("auditor", "shopper", 404), ("auditor", "auditor_b1", 404), ("auditor", "accountant", 403),
    # Head office may: nothing was uploaded yet, and the refusal (409 not_uploaded) is about the photo.
    ("auditor", "head_office", 409), ("auditor", "auditor", 409),
])
def test_only_the_author_or_head_office_confirms(network, standard, author, persona, expected):
    audit_id = make_audit(network, author)
    body = ask(client_for(getattr(network, author)), audit_id, photo(seed=35)).json()
    response = client_for(getattr(network, persona)).post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert response.status_code == expected, response.json()


@pytest.mark.parametrize("persona", ["manager_a", "accountant"])
def test_a_mystery_shops_photos_never_name_the_shopper_to_the_site(network, standard, local_storage, persona):
    audit_id = make_audit(network, "shopper", "mystery_shop")
    shopper = client_for(network.shopper)
    uploaded = shopper.post(f"/api/v1/audits/{audit_id}/evidence/",
                            multipart(photo(seed=36, captured="2026:03:10 07:00:00"), criterion="phone_rings"),
                            format="multipart")
    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["uploaded_by"] == "shopper.a1"
    evidence_id = uploaded.json()["id"]
    # The shopper reads their own photo, and its link opens for them.
    own = shopper.get(f"/api/v1/evidence/{evidence_id}/").json()
    assert own["uploaded_by"] == "shopper.a1" and own["url"]
    assert shopper.get(own["url"]).status_code in (200, 302)

    client = client_for(getattr(network, persona))
    for body in [client.get(f"/api/v1/evidence/{evidence_id}/").json(),
                 *client.get(f"/api/v1/audits/{audit_id}/evidence/").json(),
                 *client.get(f"/api/v1/audits/{audit_id}/").json()["evidence"]]:
        assert body["id"] == evidence_id
        assert body["uploaded_by"] is None and body["captured_at"] is None
        assert "shopper" not in str(body)
    # Head office and auditors see who took it.
    assert client_for(network.auditor).get(f"/api/v1/evidence/{evidence_id}/").json()["uploaded_by"] == "shopper.a1"


def test_a_shopper_reads_no_photo_of_a_sites_check_nor_of_anothers_audit(network, standard, local_storage):
    check = submit(client_for(network.manager_a), "A1", check_body(network.a1)).json()
    check_photo = client_for(network.manager_a).post(f"/api/v1/checks/{check['id']}/evidence/",
                                                     multipart(photo(seed=37), criterion="restroom_clean"),
                                                     format="multipart").json()["id"]
    audit_id = make_audit(network)
    audit_photo = client_for(network.auditor).post(f"/api/v1/audits/{audit_id}/evidence/",
                                                   multipart(photo(seed=38), criterion="phone_rings"),
                                                   format="multipart").json()["id"]
    shopper = client_for(network.shopper)
    for evidence_id in (check_photo, audit_photo):
        assert shopper.get(f"/api/v1/evidence/{evidence_id}/").status_code == 404
    assert shopper.get(f"/api/v1/checks/{check['id']}/evidence/").status_code == 404
    assert shopper.get(f"/api/v1/audits/{audit_id}/evidence/").status_code == 404
