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


def test_the_daily_check_is_documented_as_it_is_sent_and_answered(network, standard, tmp_path):
    import yaml

    from consistency.api import check_serializers as s
    from tests.consistency.checks_support import check_body, submit
    from tests.consistency.evidence_factories import multipart, photo

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    post = schema["paths"]["/api/v1/sites/{code}/checks/"]["post"]
    assert list(post["requestBody"]["content"]) == ["application/json"]  # a form or multipart body is a 415
    submitted = schema["components"]["schemas"]["CheckSubmissionRequest"]
    assert set(submitted["required"]) == {"date", "results"}
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Check")

    # What the documentation names is what the API answers, field for field.
    body = submit(client_for(network.manager_a), "A1", check_body(network.a1, values={"phone_greeting": False}))
    upload = client_for(network.manager_a).post(f"/api/v1/checks/{body.json()['id']}/evidence/",
                                                 multipart(photo(seed=3), criterion="restroom_clean"),
                                                 format="multipart")
    assert upload.status_code == 201, upload.content
    detail = client_for(network.auditor).get(f"/api/v1/checks/{body.json()['id']}/").json()
    assert set(detail["evidence"][0]) == set(s.CheckEvidenceItemSerializer().fields)
    for answer in (body.json(), detail):
        assert set(answer) == set(s.CheckSerializer().fields)
        assert set(answer["results"][0]) == set(s.CheckResultItemSerializer().fields)
        assert set(answer["actions"][0]) == set(s.CheckActionItemSerializer().fields)


@pytest.mark.parametrize("path", ["/api/v1/sites/{code}/checks/", "/api/v1/sites/{code}/missed/", "/api/v1/missed/",
                                  "/api/v1/sites/{code}/actions/", "/api/v1/actions/"])
def test_lists_are_documented_as_the_pages_they_answer(network, standard, tmp_path, path):
    # They were documented as bare arrays: a generated client failed on the first page.
    import yaml

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    get = schema["paths"][path]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"count", "next", "previous", "results"}
    assert {"page", "page_size"} <= {p["name"] for p in get["parameters"]}
    url = path.format(code="A1") + ("?from=2026-03-01&to=2026-03-02" if "missed" in path else "")
    answer = client_for(network.head_office).get(url)
    assert answer.status_code == 200 and set(answer.json()) == {"count", "next", "previous", "results"}


def test_refusals_are_documented_in_their_one_shape(network, standard, tmp_path):
    import yaml

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "field", "errors"}
    submit_op = schema["paths"]["/api/v1/sites/{code}/checks/"]["post"]["responses"]
    assert {"400", "401", "404", "409", "413", "415", "422"} <= set(submit_op)
    assert submit_op["422"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    assert set(schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]) == {"200", "400", "413", "415", "429", "503"}
    # And a refusal the API sends has exactly the documented fields.
    refusal = client_for(network.manager_a).get("/api/v1/sites/B1/checks/")
    assert refusal.status_code == 404 and set(refusal.json()) == set(error["properties"])
    assert set(refusal.json()["errors"][0]) == set(error["properties"]["errors"]["items"]["properties"])


def test_a_report_runs_region_is_documented_as_null_when_it_has_none(tmp_path):
    import yaml

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    region = yaml.safe_load(out.read_text())["components"]["schemas"]["ReportRun"]["properties"]["region"]
    assert region.get("nullable") is True  # a run ordered for named sites or the network has none
