"""Who exports what: every persona of the network inside and outside its scope, and each bad parameter refused
with a 400 (or 403/404) naming it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import client_for
from tests.factories import UserFactory

from .conftest import URL, period, read_csv

pytestmark = pytest.mark.django_db

# Each persona's own sites (tests/conftest.py network).
SCOPE = {"head_office": ["A1", "A2", "B1"], "manager_a": ["A1"], "manager_b": ["B1"], "auditor": ["A1", "A2"],
         "auditor_b1": ["B1"], "accountant": ["A1", "A2"]}


def sites_of(rows) -> list[str]:
    return sorted({r["site"] for r in rows})


@pytest.mark.parametrize("who", list(SCOPE))
def test_each_person_exports_their_own_sites_only(network, history, who):
    client = client_for(getattr(network, who))
    assert sites_of(read_csv(client.get(URL, period(history)))) == SCOPE[who]
    # Every site of theirs, one by one, and none of anyone else's.
    for code in ("A1", "A2", "B1"):
        response = client.get(URL, {**period(history), "sites": code})
        if code in SCOPE[who]:
            assert sites_of(read_csv(response)) == [code]
        else:
            assert response.status_code == 404, response.content
            body = response.json()
            assert body["field"] == "sites[0]" and code in body["message"]
    # A region narrows within their scope.
    for region, codes in (("region-a", ["A1", "A2"]), ("region-b", ["B1"])):
        response = client.get(URL, {**period(history), "region": region})
        mine = [c for c in codes if c in SCOPE[who]]
        if mine:
            assert sites_of(read_csv(response)) == mine
        else:  # a region none of whose sites are theirs: the answer for a region that does not exist
            assert response.status_code == 400 and response.json()["field"] == "region"


def test_a_list_of_sites_names_the_one_outside_ones_scope(network, history):
    response = client_for(network.manager_a).get(URL, {**period(history), "sites": "A1,B1"})
    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["sites[1]"]
    both = client_for(network.head_office).get(URL, {**period(history), "sites": "B1, A1"})
    assert sites_of(read_csv(both)) == ["A1", "B1"]


def test_a_mystery_shopper_exports_nothing(network, history):
    response = client_for(network.shopper).get(URL, period(history))
    assert response.status_code == 403 and response.json()["field"] == "sites"
    assert client_for(network.shopper).get(URL, {**period(history), "sites": "A1"}).status_code == 403


def test_someone_without_sites_or_a_sign_in_exports_nothing(network, history):
    assert client_for(UserFactory(username="no.role")).get(URL, period(history)).status_code == 403
    assert client_for().get(URL, period(history)).status_code in (401, 403)


def _future() -> str:
    return (dt.date.today() + dt.timedelta(days=3)).isoformat()


@pytest.mark.parametrize(("query", "field", "words"), [
    ({"from": "2026-03-10", "to": "2026-03-01"}, "from", "after it ends"),
    ({"from": "2025-01-01", "to": "2026-03-01"}, "to", "at most 366 days"),
    ({"from": "2026-03-01", "to": "in-march"}, "to", "format"),
    ({"from": "1999-12-31", "to": "2000-01-05"}, "from", "before anything"),
    ({"to": "FUTURE"}, "to", "in the future"),
    ({"region": "nowhere"}, "region", "No region"),
    ({"region": "region-a", "sites": "A1"}, "sites", "not both"),
    ({"sites": " , "}, "sites", "at least one site"),
    ({"sites": "NOPE"}, "sites[0]", "NOPE"),
    ({"source": "checks"}, "source", "not a source"),
    ({"source": "check,survey"}, "source", "survey"),
])
def test_a_bad_question_is_refused_naming_the_parameter(network, query, field, words):
    query = {k: (_future() if v == "FUTURE" else v) for k, v in query.items()}
    response = client_for(network.head_office).get(URL, query)
    assert response.status_code in (400, 404), response.content
    assert (response.status_code == 404) == field.startswith("sites[")
    body = response.json()
    assert body["field"] == field and words in body["message"], body


def test_refusals_come_in_the_persons_language(network):
    from django.utils import translation

    from backend.errors import AppError
    from exports.scope import export_scope

    with translation.override("fr"), pytest.raises(AppError) as refused:
        export_scope(user=network.head_office, region="region-a", codes=["A1"])
    assert refused.value.message == "Indiquez soit une région, soit des sites, pas les deux."
    with translation.override("fr"), pytest.raises(AppError) as refused:
        export_scope(user=network.manager_a, codes=["B1"])
    assert refused.value.message == "Aucun site 'B1' parmi les sites que vous pouvez voir."
