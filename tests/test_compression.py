"""The API's GET answers are compressed for a client that accepts gzip; writes and pages are not."""

import gzip
import json

import pytest

from tests.conftest import client_for
from tests.consistency.checks_support import check_body, submit

pytestmark = pytest.mark.django_db


def test_the_checklist_travels_compressed_and_revalidates(network, standard):
    client = client_for(network.manager_a)
    plain = client.get("/api/v1/standard/current/")
    packed = client.get("/api/v1/standard/current/", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert len(packed.content) < len(plain.content) / 2
    # gzip weakens the ETag (the bytes differ); the phone hands it back and still gets its 304.
    assert packed["ETag"] == f"W/{plain['ETag']}"
    again = client.get("/api/v1/standard/current/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304


def test_writes_and_pages_are_not_compressed(network, standard, client):
    gzip_please = {"Accept-Encoding": "gzip"}
    answer = submit(client_for(network.manager_a), "A1", check_body(network.a1), **gzip_please)
    assert answer.status_code == 201 and len(answer.content) > 500 and not answer.has_header("Content-Encoding")
    read = client_for(network.manager_a).get(f"/api/v1/checks/{answer.json()['id']}/", headers=gzip_please)
    assert read["Content-Encoding"] == "gzip"  # the same check, read
    page = client.get("/accounts/login/", headers=gzip_please)
    assert page.status_code == 200 and len(page.content) > 1000 and not page.has_header("Content-Encoding")
    # The browsable API's HTML page of the same check carries a CSRF token beside the path it was asked for.
    browsable = client_for(network.manager_a).get(f"/api/v1/checks/{answer.json()['id']}/",
                                                  headers={**gzip_please, "Accept": "text/html"})
    assert browsable["Content-Type"].startswith("text/html") and not browsable.has_header("Content-Encoding")
