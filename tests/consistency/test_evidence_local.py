"""Where no S3 is configured (STORAGE_BACKEND=local, files on disk), photos go through the API as
multipart and get the same checks. Also: originals are write-once on either storage."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from PIL import Image

from consistency import storage
from consistency.models import CheckResult, Evidence
from consistency.services.evidence import targets

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo, sha, with_comment

# Dated 2026-03-10, long past: the window that closes a day to new photos is stretched back to it.
pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_direct_upload_is_not_offered_and_nothing_is_stored(network, check, local_storage):
    response = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": "image/jpeg", "size": 1000, "sha256": "a" * 64,
    }, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "direct_upload_unavailable" and "multipart" in response.json()["message"]
    assert not Evidence.objects.exists()


def test_multipart_upload_is_verified_and_stored_on_disk(network, check, local_storage):
    data = photo(seed=1, size=(1000, 500), captured="2026:03:10 07:00:00")
    response = client_for(network.manager_a).post(
        f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion="restroom_clean", sha256=sha(data)),
        format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "verified" and body["sha256"] == sha(data) and body["size"] == len(data)
    assert body["url"].startswith("http://testserver/api/v1/evidence/files/")  # served by the API itself
    evidence = Evidence.objects.get(public_id=body["id"])
    assert (local_storage / evidence.key).read_bytes() == data
    thumb = Image.open(local_storage / evidence.thumbnail_key)
    assert thumb.size == (800, 400)
    assert files_under(local_storage) == sorted([evidence.key, evidence.thumbnail_key])
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed


def test_the_same_photo_sent_again_is_not_a_second_photo(network, check, local_storage):
    """A phone that lost the answer sends the upload again: the photo is already there, the retry is told so
    (the same evidence, replayed), and one photo does not count twice towards the photos a criterion needs."""
    data = photo(seed=5)
    client = client_for(network.manager_a)
    first = client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion="restroom_clean"),
                        format="multipart")
    assert first.status_code == 201, first.json()
    again = client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion="restroom_clean"),
                        format="multipart")
    assert again.status_code == 200, again.json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    evidence = Evidence.objects.get()
    assert files_under(local_storage) == sorted([evidence.key, evidence.thumbnail_key])
    # Another photo of the same criterion is welcome.
    other = client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(photo(seed=6), criterion="restroom_clean"),
                        format="multipart")
    assert other.status_code == 201


@pytest.mark.parametrize("data, reason", [
    (b"just some text, honestly a jpeg", "not a JPEG, PNG or HEIC image"),
    (photo(seed=2) + b"<script>alert(1)</script>", "polyglot"),
    (with_comment(photo(seed=3), b"<html><body>hi</body></html>"), "polyglot"),
])
def test_refused_upload_leaves_nothing_behind(network, check, local_storage, data, reason):
    response = client_for(network.manager_a).post(
        f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion="restroom_clean"), format="multipart")
    assert response.status_code == 422
    assert reason in response.json()["message"] and response.json()["field"] == "file"
    assert not Evidence.objects.exists()
    assert files_under(local_storage) == []
    assert not CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed


def test_oversized_multipart_is_413(network, check, local_storage, settings):
    settings.MAX_PHOTO_BYTES = 20_000
    data = photo(seed=4, size=(900, 900), quality=95)
    assert len(data) > 20_000
    response = client_for(network.manager_a).post(
        f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion="restroom_clean"), format="multipart")
    assert response.status_code == 413 and response.json()["field"] == "file"
    assert files_under(local_storage) == []


@pytest.mark.parametrize("backend", ["local", "configured"])
def test_a_second_upload_to_an_existing_key_is_caught(network, check, settings, tmp_path, monkeypatch, backend):
    if backend == "local":
        settings.STORAGE_BACKEND = "local"
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    fixed = uuid.uuid4()
    monkeypatch.setattr(targets.uuid, "uuid4", lambda: fixed)
    client = client_for(network.manager_a)
    original = photo(seed=5)
    first = client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(original, criterion="restroom_clean"),
                        format="multipart")
    assert first.status_code == 201
    second = client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(photo(seed=6), criterion="restroom_clean"),
                         format="multipart")
    assert second.status_code == 409 and second.json()["code"] == "key_exists"
    key = Evidence.objects.get().key
    assert storage.read_bytes(key, max_bytes=10**7) == original

    with pytest.raises(storage.KeyExists):
        storage.put_new(key, io.BytesIO(b"overwrite attempt"), content_type="image/jpeg")
    assert storage.read_bytes(key, max_bytes=10**7) == original
