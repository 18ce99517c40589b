"""Schemathesis against the API's own OpenAPI schema (drf-spectacular's, made in-process), every operation, for
every role and for no one: no answer is a 5xx, and every answer is one the schema documents (its status code,
content type, headers and body). Driven through Django's WSGI application, on a seeded network whose real ids
(sites, checks, actions, audits, photos, reports, devices, the standard's keys) fill the path parameters most of
the time, so that operations reach their inner code rather than their 404.

SCHEMA_FUZZ_EXAMPLES examples per operation and role (the suite's few; ``make fuzz`` runs many more)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consistency.models import CorrectiveAction, Criterion
from reports.services import report_order
from sites import tokens
from sites.models import DeviceToken
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, local_today, submit
from tests.consistency.evidence_factories import multipart, photo
from tests.customer.audit_support import audit_body, post_audit

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "2"))
ROLES = ["head_office", "auditor", "manager_a", "shopper", "accountant", None]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def api_schema():
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


@dataclass
class Seeded:
    auth: dict  # role -> headers
    real: dict  # path parameter name -> real values
    bodies: dict  # operation label -> a valid JSON body, sent half the time (the rest: generated)


@pytest.fixture
def seeded(network, standard) -> Seeded:
    manager = client_for(network.manager_a)
    check = submit(manager, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    other = submit(client_for(network.manager_b), "B1", check_body(network.b1)).json()
    evidence = manager.post(f"/api/v1/checks/{check['id']}/evidence/", multipart(photo(seed=3),
                            criterion="restroom_clean"), format="multipart").json()
    audit = post_audit(client_for(network.auditor), "A1", audit_body(network.a1)).json()
    shop = post_audit(client_for(network.shopper), "A1", audit_body(network.a1, kind="mystery_shop")).json()
    run = report_order(user=network.head_office, kind="variance", date_from=standard.effective_from,
                       date_to=standard.effective_from)
    head_office = client_for(network.head_office)
    endpoint = head_office.post("/api/v1/webhooks/", {"url": "https://hooks.example.com/t", "events": ["check.missed"]},
                                format="json")
    mark = head_office.post("/api/v1/sites/A1/not-applicable/", {
        "criterion": "delivery_on_time_pct", "starts_on": str(local_today(network.a1)), "reason": "No deliveries."},
        format="json")
    assert endpoint.status_code == 201 and mark.status_code == 201, (endpoint.content, mark.content)
    endpoint, mark = endpoint.json(), mark.json()
    photo_token = evidence["url"].rstrip("/").rsplit("/", 1)[-1]
    auth, devices = {None: {}}, []
    for role in ROLES[:-1]:
        user = getattr(network, role)
        auth[role] = {"Authorization": f"Token {tokens.token_issue(user=user, device_name='fuzz')[1]}"}
        tokens.token_issue(user=user, device_name="another phone")
        devices += list(DeviceToken.objects.filter(user=user, device_name="another phone").values_list("pk", flat=True))
    actions = list(CorrectiveAction.objects.values_list("pk", flat=True))
    keys = sorted(set(Criterion.objects.values_list("key", flat=True)))
    checks, audits = [check["id"], other["id"]], [audit["id"], shop["id"]]
    day = str(local_today(network.a1))
    bodies = {
        "POST /api/v1/sites/{code}/checks/": check_body(network.a1),
        "POST /api/v1/sites/{code}/audits/": audit_body(network.a1),
        "POST /api/v1/reports/": {"kind": "variance", "from": day, "to": day},
        "POST /api/v1/checks/{id}/evidence/": {"criterion": "restroom_clean", "content_type": "image/jpeg",
                                              "size": 1000, "sha256": "ab" * 32},
        "POST /api/v1/sites/{code}/not-applicable/": {"criterion": "restroom_clean", "starts_on": day,
                                                      "reason": "Closed for works."},
    }
    return Seeded(auth=auth, bodies=bodies, real={
        "code": ["A1", "A2", "B1"], "check_id": checks, "action_id": actions, "audit_id": audits,
        "id": checks + actions + audits, "public_id": [evidence["id"], str(run.public_id)],
        "number": [standard.number], "key": keys, "token_id": devices, "endpoint_id": [endpoint["id"]],
        "mark_id": [mark["id"]], "token": [photo_token],
    })


@pytest.fixture
def in_the_test_transaction():
    """Requests through the WSGI application answer inside the test's transaction, as Django's test client's do:
    without this, the end of the first request closes the connection (it is in a transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _fuzz_operation(operation, seeded: Seeded, role, statuses: list) -> None:
    names = [p.name for p in operation.path_parameters]
    body = seeded.bodies.get(operation.label)
    headers = {**seeded.auth[role], "Accept-Encoding": "identity"}  # a WSGI call has no client to undo gzip

    # No one signed in is refused the same way whatever the request: one example each is enough.
    @settings(max_examples=EXAMPLES if role else 1, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        fixed = {name: data.draw(st.sampled_from(seeded.real[name])) for name in names
                 if name in seeded.real and data.draw(st.integers(0, 4)) < 4}  # real ids four times in five
        if body is not None and data.draw(st.booleans()):
            case = data.draw(operation.as_strategy(path_parameters=fixed, body=body, media_type="application/json"))
        else:
            case = data.draw(operation.as_strategy(path_parameters=fixed))
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def _fuzz(schema, seeded: Seeded, role, answered: dict) -> list[str]:
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz_operation(operation, seeded, role, answered.setdefault(operation.label, []))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # every operation is tried, all failures reported (schemathesis's are groups)
            failures.append(f"--- {role or 'anonymous'}: {operation.label}\n{exc}"[:1500])
    return failures


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_operation_answers_as_documented(api_schema, seeded, in_the_test_transaction, role):
    answered = {}
    started = time.monotonic()
    failures = _fuzz(api_schema, seeded, role, answered)
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "a") as out:
            out.write(f"{role} {time.monotonic() - started:.1f}s\n")
            for label, codes in answered.items():
                out.write(f"  {label}: {codes}\n")
    assert not failures, f"{len(failures)} operations answered outside the schema:\n" + "\n".join(failures)
    # The seeded ids and bodies take requests past the front door: head office gets a 2xx from most operations.
    succeeded = sum(any(200 <= code < 300 for code in codes) for codes in answered.values())
    assert succeeded >= {"head_office": 35, None: 0}.get(role, 8), answered
