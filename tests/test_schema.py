"""The OpenAPI schema is valid, warning-free, and the docs are served (with their assets, offline)."""

import pytest
from django.core.management import call_command

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ["/api/v1/auth/token/", "/api/v1/me/", "/api/v1/standard/current/", "/api/v1/sites/{code}/"]:
        assert f"  {path}:" in text


def test_docs_and_schema_are_served(network):
    client = client_for()
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # The UI's script comes from this server, not a CDN.
    assert b"cdn.jsdelivr" not in docs.content
