"""Who may submit and read audits, every persona inside and outside its scope. A mystery shopper submits mystery
shops for their assigned sites and reads only their own; a mystery shop never names its shopper to the site."""

from __future__ import annotations

import pytest

from customer.models import Audit
from tests.conftest import client_for

from .audit_support import audit_body, post_audit

pytestmark = pytest.mark.django_db

# (persona, site, kind) -> status. Region A = A1, A2; the auditor reads region A; auditor_b1 reads B1; the
# shopper visits A1; manager_a manages A1; the accountant serves A1 and A2.
SUBMIT = [
    ("head_office", "A1", "audit", 201), ("head_office", "B1", "mystery_shop", 201),
    ("auditor", "A1", "audit", 201), ("auditor", "A2", "mystery_shop", 201), ("auditor", "B1", "audit", 404),
    ("auditor_b1", "B1", "audit", 201), ("auditor_b1", "A1", "audit", 404),
    ("shopper", "A1", "mystery_shop", 201), ("shopper", "A1", "audit", 403), ("shopper", "A2", "mystery_shop", 404),
    ("shopper", "B1", "mystery_shop", 404),
    ("manager_a", "A1", "audit", 403), ("manager_a", "A1", "mystery_shop", 403), ("manager_a", "B1", "audit", 404),
    ("manager_b", "B1", "audit", 403), ("manager_b", "A1", "audit", 404),
    ("accountant", "A1", "audit", 403), ("accountant", "B1", "audit", 404),
]


@pytest.mark.parametrize("persona, code, kind, expected", SUBMIT)
def test_who_may_submit_which_audit_where(network, standard, persona, code, kind, expected):
    site = getattr(network, code.lower())
    response = post_audit(client_for(getattr(network, persona)), code, audit_body(site, kind=kind))
    assert response.status_code == expected, response.json()
    if expected != 201:
        assert not Audit.objects.exists()
        field = response.json()["field"]
        assert field == ("kind" if persona == "shopper" and kind == "audit" else "code")


def test_anonymous_is_refused(network, standard):
    assert post_audit(client_for(None), "A1", audit_body(network.a1)).status_code == 401
    assert client_for(None).get("/api/v1/audits/").status_code == 401


@pytest.fixture
def audits(network, standard):
    """A mystery shop of A1 by the shopper, an audit of A1 by the auditor, an audit of A2 by the auditor, an
    audit of B1 by auditor_b1, a mystery shop of B1 by head office."""
    made = {}
    for name, persona, code, kind in [("shop_a1", "shopper", "A1", "mystery_shop"),
                                      ("audit_a1", "auditor", "A1", "audit"),
                                      ("audit_a2", "auditor", "A2", "audit"),
                                      ("audit_b1", "auditor_b1", "B1", "audit"),
                                      ("shop_b1", "head_office", "B1", "mystery_shop")]:
        site = getattr(network, code.lower())
        response = post_audit(client_for(getattr(network, persona)), code,
                              audit_body(site, kind=kind, visited_at=audit_body(site)["performed_at"]))
        assert response.status_code == 201, response.json()
        made[name] = response.json()["id"]
    return made


READS = {
    "head_office": {"shop_a1", "audit_a1", "audit_a2", "audit_b1", "shop_b1"},
    "auditor": {"shop_a1", "audit_a1", "audit_a2"},
    "auditor_b1": {"audit_b1", "shop_b1"},
    "manager_a": {"shop_a1", "audit_a1"},
    "manager_b": {"audit_b1", "shop_b1"},
    "accountant": {"shop_a1", "audit_a1", "audit_a2"},
    "shopper": {"shop_a1"},
}


@pytest.mark.parametrize("persona", list(READS))
def test_each_persona_reads_the_audits_of_its_scope_and_no_other(network, audits, persona):
    client = client_for(getattr(network, persona))
    listed = client.get("/api/v1/audits/").json()["results"]
    assert {a["id"] for a in listed} == {audits[n] for n in READS[persona]}
    for name, audit_id in audits.items():
        response = client.get(f"/api/v1/audits/{audit_id}/")
        assert response.status_code == (200 if name in READS[persona] else 404), (name, response.json())


@pytest.mark.parametrize("persona, code, expected, names", [
    ("head_office", "A1", 200, {"shop_a1", "audit_a1"}), ("auditor", "A1", 200, {"shop_a1", "audit_a1"}),
    ("auditor", "B1", 404, None), ("auditor_b1", "B1", 200, {"audit_b1", "shop_b1"}), ("auditor_b1", "A1", 404, None),
    ("manager_a", "A1", 200, {"shop_a1", "audit_a1"}), ("manager_a", "A2", 404, None),
    ("manager_b", "A1", 404, None), ("accountant", "A2", 200, {"audit_a2"}), ("accountant", "B1", 404, None),
    # The shopper sees the site listed, and there only their own audits: never who else audited.
    ("shopper", "A1", 200, {"shop_a1"}), ("shopper", "A2", 404, None), ("shopper", "B1", 404, None),
])
def test_a_sites_audits(network, audits, persona, code, expected, names):
    response = client_for(getattr(network, persona)).get(f"/api/v1/sites/{code}/audits/")
    assert response.status_code == expected, response.json()
    if names is not None:
        assert {a["id"] for a in response.json()["results"]} == {audits[n] for n in names}


@pytest.mark.parametrize("persona", ["manager_a", "accountant"])
def test_a_mystery_shop_never_names_its_shopper_to_the_site(network, audits, persona):
    client = client_for(getattr(network, persona))
    for body in [client.get(f"/api/v1/audits/{audits['shop_a1']}/").json(),
                 *[a for a in client.get("/api/v1/audits/").json()["results"] if a["id"] == audits["shop_a1"]],
                 *[a for a in client.get("/api/v1/sites/A1/audits/").json()["results"]
                   if a["id"] == audits["shop_a1"]]]:
        assert body["kind"] == "mystery_shop"
        assert body["submitted_by"] is None and body["visited_at"] is None and body["performed_at"] is None
        assert body["received_at"] is None
        assert "shopper" not in str(body)
    # An auditor's audit is named to the site.
    audit = client.get(f"/api/v1/audits/{audits['audit_a1']}/").json()
    assert audit["submitted_by"] == "auditor" and audit["visited_at"] is not None


@pytest.mark.parametrize("persona", ["head_office", "auditor", "shopper"])
def test_head_office_auditors_and_the_shopper_themselves_see_who_and_when(network, audits, persona):
    body = client_for(getattr(network, persona)).get(f"/api/v1/audits/{audits['shop_a1']}/").json()
    assert body["submitted_by"] == "shopper.a1" and body["visited_at"] is not None


def test_filters_of_the_list(network, audits):
    office = client_for(network.head_office)
    assert {a["id"] for a in office.get("/api/v1/audits/?kind=mystery_shop").json()["results"]} == \
        {audits["shop_a1"], audits["shop_b1"]}
    assert {a["id"] for a in office.get("/api/v1/audits/?region=region-b").json()["results"]} == \
        {audits["audit_b1"], audits["shop_b1"]}
    day = Audit.objects.get(pk=audits["audit_b1"]).date
    assert len(office.get(f"/api/v1/audits/?from={day}&to={day}").json()["results"]) >= 1
    for query, field in [("kind=inspection", "kind"), ("from=someday", "from"), ("region=nowhere", "region")]:
        response = office.get(f"/api/v1/audits/?{query}")
        assert response.status_code == 400 and response.json()["field"] == field
    # A region none of whose sites one sees is the same 400 as one that does not exist.
    response = client_for(network.shopper).get("/api/v1/audits/?region=region-b")
    assert response.status_code == 400 and response.json()["field"] == "region"
    shopper = client_for(network.shopper).get("/api/v1/audits/?region=region-a").json()["results"]
    assert [a["id"] for a in shopper] == [audits["shop_a1"]]


@pytest.mark.parametrize("persona, queries", [("head_office", 4), ("manager_a", 4), ("shopper", 4)])
def test_the_lists_take_a_fixed_number_of_queries(network, audits, standard, persona, queries,
                                                  django_assert_num_queries):
    client = client_for(getattr(network, persona))
    client.get("/api/v1/audits/")  # the token's first use is recorded once
    for _ in range(3):  # more audits do not mean more queries
        post_audit(client_for(network.head_office), "A1", audit_body(network.a1, kind="mystery_shop"))
    with django_assert_num_queries(queries):
        assert client.get("/api/v1/audits/").status_code == 200
    with django_assert_num_queries(queries + 1):  # the site
        assert client.get("/api/v1/sites/A1/audits/").status_code == 200


@pytest.mark.parametrize("persona", ["head_office", "manager_a"])
def test_one_audit_and_its_photos_take_a_fixed_number_of_queries(network, audits, persona, local_storage,
                                                                  django_assert_num_queries):
    from tests.consistency.evidence_factories import multipart, photo

    shop = audits["shop_a1"]
    shopper = client_for(network.shopper)
    client = client_for(getattr(network, persona))
    client.get(f"/api/v1/audits/{shop}/")  # the token's first use is recorded once
    with django_assert_num_queries(5):  # the token, the profile, the audit, its results, its photos
        assert client.get(f"/api/v1/audits/{shop}/").status_code == 200
    for seed, criterion in [(51, "phone_rings"), (52, "phone_greeting"), (53, "restroom_clean")]:
        uploaded = shopper.post(f"/api/v1/audits/{shop}/evidence/", multipart(photo(seed=seed), criterion=criterion),
                                format="multipart")
        assert uploaded.status_code == 201, uploaded.json()
    with django_assert_num_queries(5):  # more photos, the same queries
        assert len(client.get(f"/api/v1/audits/{shop}/").json()["evidence"]) == 3
    with django_assert_num_queries(4):
        assert len(client.get(f"/api/v1/audits/{shop}/evidence/").json()) == 3
