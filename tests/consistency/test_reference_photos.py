"""Reference photos: head office puts, replaces and removes what "right" looks like for a criterion; the image
is checked as evidence is; the standard's answer shows it for every criterion in one query."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from consistency.models import ReferencePhoto
from tests.factories import published_version, small_standard_doc

from ..conftest import client_for
from .evidence_factories import multipart, photo, with_comment

URL = "/api/v1/standard/criteria/{}/reference-photo/"

pytestmark = pytest.mark.usefixtures("local_storage")


def put(user, key: str, data: bytes, **fields):
    return client_for(user).put(URL.format(key), multipart(data, **fields), format="multipart")


def criteria(body) -> dict:
    return {c["key"]: c for tp in body["touch_points"] for c in tp["criteria"]}


def test_head_office_puts_replaces_and_removes_a_reference_photo(network, standard, local_storage):
    head = network.head_office
    response = put(head, "restroom_clean", photo(seed=1, size=(1200, 900)), caption="Basins dry, mirror clean")
    assert response.status_code == 200, response.json()
    first = response.json()
    assert first["caption"] == "Basins dry, mirror clean" and (first["width"], first["height"]) == (1200, 900)

    shown = criteria(client_for(network.manager_a).get("/api/v1/standard/current/").json())
    assert shown["restroom_clean"]["reference_photo"]["url"] == first["url"]
    assert shown["phone_rings"]["reference_photo"] is None
    # Its files open for anyone signed in; the small copy is 400 px.
    reader = client_for(network.manager_a)
    thumb = reader.get(first["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size == (400, 300)
    original = reader.get(first["url"])
    assert original.status_code == 200 and b"".join(original.streaming_content) == photo(seed=1, size=(1200, 900))
    assert client_for().get(first["url"]).status_code == 401

    replaced = put(head, "restroom_clean", photo(seed=2)).json()
    assert replaced["url"] != first["url"] and replaced["caption"] == ""
    assert reader.get(first["url"]).status_code == 404  # replaced: no longer shown
    assert ReferencePhoto.objects.filter(criterion_key="restroom_clean").count() == 2  # the first is on record
    shown = criteria(reader.get("/api/v1/standard/current/").json())
    assert shown["restroom_clean"]["reference_photo"]["url"] == replaced["url"]
    assert client_for(head).get(URL.format("restroom_clean")).json()["url"] == replaced["url"]

    assert client_for(head).delete(URL.format("restroom_clean")).status_code == 204
    assert criteria(reader.get("/api/v1/standard/current/").json())["restroom_clean"]["reference_photo"] is None
    gone = client_for(head).delete(URL.format("restroom_clean"))
    assert gone.status_code == 404 and gone.json()["field"] == "key"


@pytest.mark.parametrize(("data", "content_type"), [
    (b"not an image at all", "image/jpeg"),
    (with_comment(photo(seed=3), b"<script>alert(1)</script>"), "image/jpeg"),
    (photo(seed=4), "image/gif"),
])
def test_a_bad_image_is_a_400_naming_the_file_and_stores_nothing(network, standard, local_storage, data, content_type):
    response = client_for(network.head_office).put(
        URL.format("restroom_clean"), multipart(data, content_type=content_type), format="multipart")
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "file"
    assert not ReferencePhoto.objects.exists()
    assert not [p for p in local_storage.rglob("*") if p.is_file()]


def test_an_unknown_criterion_and_a_long_caption_are_refused(network, standard):
    unknown = put(network.head_office, "no_such_key", photo(seed=5))
    assert unknown.status_code == 404 and unknown.json()["field"] == "key"
    long = put(network.head_office, "restroom_clean", photo(seed=5), caption="x" * 301)
    assert long.status_code == 400 and long.json()["field"] == "caption"
    missing = client_for(network.head_office).put(URL.format("restroom_clean"), {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    assert not ReferencePhoto.objects.exists()


def test_only_head_office_changes_reference_photos(network, standard):
    assert put(network.head_office, "restroom_clean", photo(seed=6)).status_code == 200
    for persona in ("manager_a", "auditor", "auditor_b1", "shopper", "accountant"):
        user = getattr(network, persona)
        assert put(user, "restroom_clean", photo(seed=7)).status_code == 403
        assert client_for(user).delete(URL.format("restroom_clean")).status_code == 403
        assert client_for(user).get(URL.format("restroom_clean")).status_code == 200  # everyone reads the standard
    assert client_for().get(URL.format("restroom_clean")).status_code == 401
    assert ReferencePhoto.objects.count() == 1


def test_the_standard_reads_every_reference_photo_in_one_query_and_its_etag_follows_them(network):
    keys = [f"c{i}_{j}" for i in range(4) for j in range(4)]
    published_version(small_standard_doc(touch_points=[
        {"key": f"tp{i}", "name": f"TP {i}", "criteria": [
            {"key": f"c{i}_{j}", "prompt": "p", "kind": "boolean", "photos_required": 1} for j in range(4)]}
        for i in range(4)]))
    client = client_for(network.manager_a)

    def answer():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/standard/current/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    none, first = answer()
    for n, key in enumerate(keys[:3]):
        assert put(network.head_office, key, photo(seed=n, size=(64, 48))).status_code == 200
    three, second = answer()
    for n, key in enumerate(keys[3:]):
        assert put(network.head_office, key, photo(seed=10 + n, size=(64, 48))).status_code == 200
    sixteen, third = answer()
    assert none == three == sixteen  # one query for the reference photos, however many
    assert sum(c["reference_photo"] is not None for c in criteria(third.json()).values()) == 16
    # token, role, sites, the version in force and the next one, touch points, criteria, reference photos
    assert sixteen <= 8
    # A phone holding the answer learns of the new photos: the ETag changed, and a revalidation is not a 304.
    assert len({first["ETag"], second["ETag"], third["ETag"]}) == 3
    stale = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert stale.status_code == 200
    fresh = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=third["ETag"])
    assert fresh.status_code == 304
