"""Bodies that Python's JSON reader lets through to a 500 are a 400 naming the field, on every JSON endpoint."""

import pytest

from tests.conftest import client_for
from tests.consistency.checks_support import check_body, submit

pytestmark = pytest.mark.django_db

# One JSON endpoint of each kind of view: DRF's token view, a serializer of our own, the evidence request.
ENDPOINTS = ["/api/v1/auth/token/", "/api/v1/reports/", "/api/v1/checks/{check}/evidence/",
             "/api/v1/standard/versions/"]


def post(network, path: str, raw: bytes):
    client = client_for(network.head_office)
    client.raise_request_exception = False  # the status a client would get, not the traceback
    if "{check}" in path:
        check = submit(client_for(network.manager_a), "A1", check_body(network.a1)).json()["id"]
        path = path.format(check=check)
    return client.post(path, raw, content_type="application/json")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_body_nested_too_deeply_is_a_400(network, standard, path):
    response = post(network, path, b"[" * 5000 + b"]" * 5000)
    assert response.status_code == 400, response.content
    assert "nests too deeply" in response.json()["message"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_lone_surrogate_is_a_400_naming_the_field(network, standard, path):
    response = post(network, path, b'{"kind": "variance", "notes": "cleaned \\udc00 twice"}')
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "notes"
    assert "surrogate" in response.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/standard/versions/", "/api/v1/auth/token/"])
def test_a_body_over_the_limit_anywhere_in_the_api_is_a_413_in_the_error_shape(network, settings, path):
    # Only the check submission answered 413; elsewhere Django's HTML 400 page.
    body = '{"notes": "' + "x" * (settings.MAX_REQUEST_BYTES + 1) + '"}'
    response = client_for(network.head_office).generic("POST", path, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["field"] == "body" and response.json()["code"] == "too_large"


def test_too_many_form_fields_is_a_400_in_the_error_shape(network):
    form = "&".join(f"f{i}=1" for i in range(1200))
    response = client_for(network.head_office).generic("POST", "/api/v1/standard/versions/", form,
                                                       content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json()["field"] == "body"
