"""Photos on local disk (``make run``) are opened through the API's own short-lived links, as S3 photos are
through presigned ones: only for those who read the photo's site, unguessable, expiring, the verified type."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from PIL import Image

from consistency.models import Evidence
from consistency.services import evidence_files
from consistency.services.checks import local_today
from sites.models import Profile

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo

LINK = re.compile(r"http://testserver(/api/v1/evidence/files/[^/]+/)")


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=local_today(network.a1) - dt.timedelta(days=1))


@pytest.fixture
def uploaded(network, check, local_storage) -> tuple[dict, bytes]:
    data = photo(seed=1, size=(1600, 1200))
    response = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/",
                                                  multipart(data, criterion="restroom_clean"), format="multipart")
    assert response.status_code == 201, response.json()
    return response.json(), data


def fetch(url: str):
    """Open a link as a browser tab or an <img> would: no token, no session."""
    return Client().get(LINK.fullmatch(url).group(1))


def content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["manager_a", "head_office", "auditor"])
def test_who_reads_the_photo_opens_it_and_its_report_copy(network, uploaded, who):
    body, data = uploaded
    shown = client_for(getattr(network, who)).get(f"/api/v1/evidence/{body['id']}/").json()
    original = fetch(shown["url"])
    assert original.status_code == 200
    assert content(original) == data
    assert original["Content-Type"] == "image/jpeg"
    assert original["X-Content-Type-Options"] == "nosniff"
    assert original["Content-Disposition"] == f'inline; filename="{body["id"]}.jpg"'
    assert "sandbox" in original["Content-Security-Policy"]
    copy = fetch(shown["thumbnail_url"])
    assert copy.status_code == 200 and copy["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(content(copy))).size == (800, 600)
    # The check's photo list gives the same links.
    listed = client_for(getattr(network, who)).get(f"/api/v1/checks/{body['check']}/evidence/").json()
    assert content(fetch(listed[0]["url"])) == data


@pytest.mark.parametrize("who", ["manager_b", "auditor_b1"])
def test_another_site_s_people_get_no_link_and_cannot_use_one(network, uploaded, who):
    body, _ = uploaded
    person = getattr(network, who)
    client = client_for(person)
    assert client.get(f"/api/v1/evidence/{body['id']}/").status_code == 404
    assert client.get(f"/api/v1/checks/{body['check']}/evidence/").status_code == 404
    # Even a link made out for them (a bug, a link passed on) opens nothing: their access is checked again.
    evidence = Evidence.objects.get(public_id=body["id"])
    theirs = evidence_files.photo_link(evidence, "original", reader=person, request=None)
    response = Client().get(theirs)
    assert response.status_code == 404 and response.json()["field"] == "token"
    assert b"\xff\xd8" not in response.content


@pytest.mark.parametrize("who", ["head_office", "manager_b"])
def test_a_link_opened_by_another_signed_in_user_is_refused(network, uploaded, who):
    body, data = uploaded  # the manager's link
    path = LINK.fullmatch(body["url"]).group(1)
    response = client_for(getattr(network, who)).get(path)
    assert response.status_code == 403 and response.json()["code"] == "link_of_another_user"
    assert content(client_for(network.manager_a).get(path)) == data  # its own user, signed in


def test_a_link_cannot_be_altered_or_guessed(network, uploaded):
    body, _ = uploaded
    path = LINK.fullmatch(body["url"]).group(1)
    token = path.rstrip("/").rsplit("/", 1)[1]
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for attempt in (altered, "x", "..%2F..%2Fsettings.py", f"{body['id']}:o:1"):
        response = Client().get(f"/api/v1/evidence/files/{attempt}/")
        assert response.status_code == 404, attempt
    # Signed for something else (a report's download link) is no photo link either.
    from django.core import signing

    other = signing.dumps([body["id"], "o", network.manager_a.pk], salt="reports.download")
    assert Client().get(f"/api/v1/evidence/files/{other}/").status_code == 404


def test_a_link_expires(network, uploaded, settings):
    body, _ = uploaded
    settings.AWS_QUERYSTRING_EXPIRE = -1  # DOWNLOAD_LINK_SECONDS: any age is past it
    response = fetch(body["url"])
    assert response.status_code == 403 and response.json()["code"] == "link_expired"
    assert "read the evidence again" in response.json()["message"]


def test_a_link_does_not_outlive_its_user_s_access(network, uploaded):
    body, data = uploaded
    assert content(fetch(body["url"])) == data
    Profile.objects.get(user=network.manager_a).sites.clear()  # moved to another site
    assert fetch(body["url"]).status_code == 404


def test_a_photo_not_verified_has_no_link(network, uploaded):
    body, _ = uploaded
    # A photo never goes back to pending (audit/migrations/0002's triggers): made so with them off, for this
    # transaction, to stand for one that never had a verdict.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE consistency_evidence SET status = 'pending' WHERE public_id = %s", [body["id"]])
        cursor.execute("SET LOCAL session_replication_role = origin")
    shown = client_for(network.head_office).get(f"/api/v1/evidence/{body['id']}/").json()
    assert shown["url"] is None and shown["thumbnail_url"] is None
    assert fetch(body["url"]).status_code == 404


def test_the_admin_shows_the_photo(network, uploaded):
    body, data = uploaded
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    page = browser.get(f"/admin/consistency/evidence/{Evidence.objects.get(public_id=body['id']).pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    img = re.search(r'<a href="(/api/v1/evidence/files/[^"]+/)"[^>]*>\s*<img src="(/api/v1/evidence/files/[^"]+/)"',
                    html)
    assert img, html
    assert content(Client().get(img.group(1))) == data
    assert Image.open(io.BytesIO(content(Client().get(img.group(2))))).size == (800, 600)


@pytest.fixture
def on_s3(network, check, settings):
    """A verified photo stored on the S3 endpoint (moto), as confirmation leaves it."""
    if settings.STORAGE_BACKEND != "s3":
        pytest.skip("no S3 endpoint configured (CI=true runs moto's)")
    import hashlib
    import uuid

    from consistency import storage
    from consistency.models import Criterion

    data = photo(seed=7)
    key = f"evidence/test-{uuid.uuid4().hex}.jpg"
    storage.put_new(key, io.BytesIO(data), content_type="image/jpeg")
    evidence = Evidence.objects.create(
        daily_check=check, criterion=Criterion.objects.get(version=check.version, key="restroom_clean"),
        site=check.site, uploaded_by=network.manager_a, key=key, declared_content_type="image/jpeg",
        declared_size=len(data), declared_sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), status=Evidence.Status.VERIFIED)
    yield evidence, data
    storage.delete(key)


def test_on_s3_a_photo_link_is_the_same_scheme_checked_again_when_opened(network, on_s3):
    # A presigned S3 GET handed out directly could not be checked again: whoever held it read the photo
    # until it expired, whatever became of their access. The link is the API's on every storage.
    import urllib.request

    evidence, data = on_s3
    link = evidence_files.photo_link(evidence, "original", reader=network.manager_a)
    assert link.startswith("/api/v1/evidence/files/")
    opened = Client().get(link)
    assert opened.status_code == 302 and opened["Cache-Control"] == "no-store"
    assert "X-Amz-Expires=60" in opened["Location"]  # seconds, not the link's whole lifetime
    with urllib.request.urlopen(opened["Location"], timeout=30) as response:
        assert response.read() == data
        assert response.headers["Content-Type"] == "image/jpeg"
    Profile.objects.get(user=network.manager_a).sites.clear()  # moved to another site
    assert Client().get(link).status_code == 404
    theirs = evidence_files.photo_link(evidence, "original", reader=network.manager_b)
    response = Client().get(theirs)
    assert response.status_code == 404 and response.json()["field"] == "token"
