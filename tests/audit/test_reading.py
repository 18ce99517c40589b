"""Reading the trail: head office only, through the API (filters, cursor pages, pinned queries) and /app/audit/;
every other role is refused, a bad filter is a 400 naming it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import Action
from audit.services import record
from audit.verify import verify

from ..conftest import client_for

pytestmark = pytest.mark.django_db

OTHER_ROLES = ["manager_a", "manager_b", "auditor", "auditor_b1", "shopper", "accountant"]


@pytest.fixture
def trail(network):
    """Twelve entries by two people at two sites, and one by the system."""
    for i in range(6):
        record(Action.PHOTO_REVIEWED, actor=network.auditor, target_type="consistency.evidence", target_id=f"p{i}",
               site="A1", data={"decision": "reject", "reason": f"blurred {i}"})
        record(Action.REPORT_DOWNLOADED, actor=network.head_office, target_type="reports.reportrun",
               target_id=f"r{i}", site="B1", data={"kind": "variance"})
    record(Action.REPORT_ORDERED, actor=None, target_type="reports.reportrun", target_id="weekly")
    return network


def get(user, params=None, path="/api/v1/audit/"):
    return client_for(user).get(path, params or {})


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_head_office_reads_the_trail(trail, role):
    user = getattr(trail, role)
    for path in ("/api/v1/audit/", "/api/v1/audit/verification/"):
        answer = get(user, path=path)
        assert answer.status_code == 403 and "head office" in answer.json()["message"], (role, path)
    browser = Client()
    browser.force_login(user)
    assert browser.get("/app/audit/").status_code == 403
    assert "/app/audit/" not in browser.get("/app/notifications/").content.decode()  # nor in the header


def test_strangers_are_asked_to_sign_in(trail):
    assert client_for(None).get("/api/v1/audit/").status_code == 401
    assert Client().get("/app/audit/").status_code == 302


def test_head_office_reads_it_newest_first_in_cursor_pages(trail, django_assert_num_queries):
    head = client_for(trail.head_office)
    head.get("/api/v1/me/")  # the token's first use (its refresh write) out of the count
    with django_assert_num_queries(3):  # the token, the role, one page of entries
        first = head.get("/api/v1/audit/", {"page_size": 5}).json()
    assert [e["seq"] for e in first["results"]] == [13, 12, 11, 10, 9]
    entry = first["results"][1]
    assert entry["actor"] == "head.office" and entry["action"] == "report.downloaded" and entry["site"] == "B1"
    assert entry["action_label"] == "Report downloaded" and entry["data"] == {"kind": "variance"}
    assert len(entry["hash"]) == 64 and entry["prev_hash"] == first["results"][2]["hash"]
    assert first["results"][0]["actor"] == ""  # the system
    second = head.get(first["next"]).json()
    assert [e["seq"] for e in second["results"]] == [8, 7, 6, 5, 4]


@pytest.mark.parametrize(("params", "seqs"), [
    ({"action": "photo.reviewed"}, [11, 9, 7, 5, 3, 1]),
    ({"action": "report.ordered,report.downloaded", "site": "B1"}, [12, 10, 8, 6, 4, 2]),
    ({"actor": "auditor", "target": "consistency.evidence:p2"}, [5]),
    ({"target": "reports.reportrun"}, [13, 12, 10, 8, 6, 4, 2]),
    ({"since": "2000-01-01", "until": "2100-01-01"}, list(range(13, 0, -1))),
    ({"until": "2001-01-01"}, []),
])
def test_filters(trail, params, seqs):
    answer = get(trail.head_office, {**params, "page_size": 50})
    assert answer.status_code == 200, answer.json()
    assert [e["seq"] for e in answer.json()["results"]] == seqs


@pytest.mark.parametrize(("params", "field"), [
    ({"action": "photo.deleted"}, "action"),
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-12-05T08:00:00"}, "until"),  # no offset: which zone?
    ({"since": "2026-12-05", "until": "2026-12-01"}, "until"),
    ({"target": "evidence"}, "target"),
    ({"actor": "a\x00b"}, "actor"),
])
def test_a_bad_filter_is_refused_naming_it(trail, params, field):
    answer = get(trail.head_office, params)
    assert answer.status_code == 400 and answer.json()["field"] == field, answer.json()
    browser = Client()
    browser.force_login(trail.head_office)
    page = browser.get("/app/audit/", params)
    assert page.status_code == 400 and field in page.content.decode()


def test_the_last_verification_is_shown(trail):
    assert get(trail.head_office, path="/api/v1/audit/verification/").json() == {"last": None, "head_seq": 13}
    verify().save()
    record(Action.TOKEN_REVOKED, actor=None, target_type="sites.devicetoken", target_id=1)
    answer = get(trail.head_office, path="/api/v1/audit/verification/").json()
    assert answer["head_seq"] == 14 and answer["last"]["intact"] and answer["last"]["head_seq"] == 13
    browser = Client()
    browser.force_login(trail.head_office)
    html = browser.get("/app/audit/").content.decode()
    assert "Chain verified up to entry 13" in html and "1 entry written since is verified tonight" in html


def test_the_page_pages_by_position_and_answers_htmx_with_its_results(trail, django_assert_max_num_queries):
    browser = Client()
    browser.force_login(trail.head_office)
    browser.get("/app/audit/")
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/app/audit/", {"site": "A1"})
    html = page.content.decode()
    assert page.status_code == 200 and "blurred 5" in html and "blurred 0" in html and "r1" not in html
    assert len(queries) <= 8, [q["sql"] for q in queries]  # session, user, role, last check, head, entries
    partial = browser.get("/app/audit/", {"action": "report.downloaded"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and partial.content.decode().count("<tr") == 7  # head + 6


def test_the_page_in_french(trail):
    from sites.models import Profile

    Profile.objects.filter(user=trail.head_office).update(language="fr")
    browser = Client()
    browser.force_login(trail.head_office)
    html = browser.get("/app/audit/").content.decode()
    assert "Journal d’audit" in html and "Photo examinée" in html and "le système" in html


def test_the_page_goes_back_from_an_entry(trail, monkeypatch):
    monkeypatch.setattr("audit.views.PER_PAGE", 5)
    browser = Client()
    browser.force_login(trail.head_office)
    first = browser.get("/app/audit/").content.decode()
    assert first.count("<tr") == 6 and "before=9" in first  # 13..9, and the way to 8..4
    older = browser.get("/app/audit/", {"before": 9}).content.decode()
    assert ">8<" in older and ">4<" in older and ">9<" not in older and "before=4" in older
    assert browser.get("/app/audit/", {"before": "x"}).status_code == 400
