"""GET /api/v1/exports/results.csv: the CSV of a period equals the API's numbers, audits and feedback come with
their source, the columns are the documented ones, and refusals name the parameter."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from customer.models import FeedbackResponse
from customer.services.feedback import satisfied
from exports.results import COLUMNS
from tests.conftest import client_for

from .conftest import URL, period, read_csv

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "exports.md"


def _variance(client, history) -> dict:
    r = client.get("/api/v1/variance/", period(history))
    assert r.status_code == 200, r.content
    return r.json()


@pytest.mark.parametrize("who", ["head_office", "manager_a", "auditor", "accountant"])
def test_the_csv_of_a_period_adds_up_to_the_variance_apis_numbers(network, history, who):
    client = client_for(getattr(network, who))
    rows = read_csv(client.get(URL, period(history)))
    checks = [r for r in rows if r["source"] == "check"]
    counted = [r for r in checks if r["counted"] == "true"]
    observations = Counter((r["site"], r["criterion"]) for r in counted)
    passed = Counter((r["site"], r["criterion"]) for r in counted if r["passed"] == "true")
    checked_days = Counter(site for site, _ in {(r["site"], r["date"]) for r in counted if not r["department"]})
    late = Counter(site for site, _ in {(r["site"], r["source_id"]) for r in counted
                                        if not r["department"] and r["late"] == "true"})

    answer = _variance(client, history)
    sites = [s["code"] for s in answer["sites"]]
    assert sorted({r["site"] for r in rows}) == sites  # the same scope
    for site in answer["sites"]:
        for c in site["criteria"]:
            key = (site["code"], c["key"])
            assert (observations[key], passed[key]) == (c["observations"], c["pass_rate"]["passed"]), key
        assert (checked_days[site["code"]], late[site["code"]]) == (site["checked_days"], site["late_checks"])
    # Nothing counted that the API does not show, and the history is really in it.
    assert set(observations) <= {(s["code"], c["key"]) for s in answer["sites"] for c in s["criteria"]}
    assert sum(observations.values()) > 20


def test_check_rows_say_what_they_are(network, history):
    rows = read_csv(client_for(network.head_office).get(URL, period(history)))
    checks = [r for r in rows if r["source"] == "check"]
    days = {r["date"] for r in rows}
    assert min(days) == history["from"].isoformat() and max(days) == history["to"].isoformat()  # none outside
    # Only current checks: the amended check of A1 on day 2 is there once, as the amendment.
    day2 = [r for r in checks if r["site"] == "A1" and r["date"] == history["days"][2].isoformat()]
    assert Counter((r["department"], r["amended"]) for r in day2) == {("", "true"): 3, ("accounting", "false"): 1}
    # Today's checks through the API: the amendment (not the first) and accounting's part.
    ids = {r["source_id"] for r in checks if r["date"] == history["to"].isoformat()}
    first, amendment, accounting = history["api_checks"]
    assert ids == {str(amendment["id"]), str(accounting["id"])}
    # A2 opened on day 3: its earlier checks are exported, not counted.
    a2 = {(r["date"], r["counted"]) for r in checks if r["site"] == "A2"}
    assert {c for d, c in a2 if d < history["days"][3].isoformat()} == {"false"}
    assert {c for d, c in a2 if d >= history["days"][3].isoformat()} == {"true"}
    # The restroom needs a photo that was never given: met, not passed; the late check says so.
    restroom = next(r for r in checks if r["criterion"] == "restroom_clean" and r["site"] == "A1")
    assert (restroom["met"], restroom["passed"], restroom["touch_point"], restroom["version"]) == \
           ("true", "false", "restroom", "1")
    rings = next(r for r in checks if r["criterion"] == "phone_rings" and r["value"] == "6")
    assert (rings["met"], rings["passed"], rings["deviation"], rings["weight"]) == ("false", "false", "1", "2")
    assert {r["date"] for r in checks if r["late"] == "true"} == {history["days"][4].isoformat()}
    assert all(r["kind"] == r["question"] == r["channel"] == r["scale"] == "" for r in checks)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", r["received_at"]) for r in rows)


def test_audits_and_feedback_come_with_their_source(network, history):
    rows = read_csv(client_for(network.head_office).get(URL, period(history)))
    audits = [r for r in rows if r["source"] == "audit"]
    by_audit = Counter((r["site"], r["source_id"], r["kind"]) for r in audits)
    a1_audit, b1_shop = history["audits"]
    assert by_audit == {("A1", str(a1_audit.id), "audit"): 3, ("B1", str(b1_shop.id), "mystery_shop"): 1}
    restroom = next(r for r in audits if r["criterion"] == "restroom_clean")
    assert (restroom["passed"], restroom["met"], restroom["value"], restroom["deviation"], restroom["touch_point"],
            restroom["version"]) == ("false", "false", "0", "1", "restroom", "1")
    assert all(r["late"] == r["amended"] == r["counted"] == r["department"] == "" for r in audits)

    feedback = [r for r in rows if r["source"] == "feedback"]
    stored = {str(f.id): f for f in FeedbackResponse.objects.select_related("question")}
    assert {r["source_id"] for r in feedback} == set(stored)
    for r in feedback:
        f = stored[r["source_id"]]
        assert float(r["value"]) == f.normalized
        assert r["passed"] == ("true" if satisfied(f.normalized) else "false")
        assert (r["question"], r["scale"], r["channel"]) == (f.question.key if f.question else "", f.scale, "survey")
        assert r["deviation"] == r["met"] == r["weight"] == r["version"] == r["counted"] == ""
    mapped = Counter((r["question"], r["touch_point"], r["criterion"], r["passed"]) for r in feedback)
    assert mapped == {("restroom_clean_q", "restroom", "restroom_clean", "true"): 1,  # 9 of 10
                      ("restroom_clean_q", "restroom", "restroom_clean", "false"): 1,  # 3 of 10
                      ("phone_q", "phone", "", "true"): 1,  # 4 of 1-5: 0.75
                      ("", "", "", "true"): 2}  # overall: 10 and 7.5 of 10


def test_a_source_can_be_asked_alone(network, history):
    client = client_for(network.head_office)
    for source in ("check", "audit", "feedback"):
        rows = read_csv(client.get(URL, {**period(history), "source": source}))
        assert rows and {r["source"] for r in rows} == {source}
    rows = read_csv(client.get(URL, {**period(history), "source": "audit,feedback"}))
    assert {r["source"] for r in rows} == {"audit", "feedback"}


def test_rows_come_in_a_stable_order_and_the_same_bytes_twice(network, history):
    client = client_for(network.head_office)
    first = b"".join(client.get(URL, period(history)).streaming_content)
    assert first == b"".join(client.get(URL, period(history)).streaming_content)
    rows = read_csv(client.get(URL, period(history)))
    keys = [(r["date"], r["site"], r["source"], int(r["source_id"]), r["criterion"]) for r in rows]
    assert keys == sorted(keys)


def test_the_header_is_the_documented_columns_in_order(network):
    response = client_for(network.head_office).get(URL, {"from": "2026-03-01", "to": "2026-03-31"})
    header = b"".join(response.streaming_content).split(b"\n", 1)[0].decode()
    assert header.split(",") == list(COLUMNS)
    documented = re.findall(r"^\| *\d+ *\| *`([a-z_]+)` *\|", DOC.read_text(), flags=re.M)
    assert documented == list(COLUMNS)


def test_the_file_is_named_by_scope_and_period(network):
    p = {"from": "2026-03-01", "to": "2026-03-31"}
    answers = {
        "network": client_for(network.head_office).get(URL, p),
        "region-a": client_for(network.head_office).get(URL, {**p, "region": "region-a"}),
        "A1-B1": client_for(network.head_office).get(URL, {**p, "sites": "B1,A1"}),
        "A1": client_for(network.manager_a).get(URL, p),
    }
    for scope, response in answers.items():
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == \
            f'attachment; filename="touchpoint-results-csv-{scope}-{p["from"]}-{p["to"]}.csv"'
        response.close()


def test_without_a_period_it_is_the_30_days_up_to_today(network, history):
    """The variance API's default period (consistency.services.period.period_complete), one rule for both."""
    client = client_for(network.head_office)
    to = timezone.localdate()
    explicit = {"from": (to - dt.timedelta(days=29)).isoformat(), "to": to.isoformat()}
    rows = read_csv(client.get(URL))
    assert rows and rows == read_csv(client.get(URL, explicit))


def test_a_criterion_not_applicable_is_not_counted_as_the_variance_leaves_it_out(network, history):
    """A mark made for past days (the rollup rebuilt) leaves its results stored and exported, not counted: the CSV
    and the API still agree, by the marks' one rule."""
    from consistency.services import applicability

    days = history["days"]
    applicability.mark(user=network.head_office, site=network.a1, criterion_key="phone_rings", starts_on=days[1],
                       ends_on=days[3], reason="No phone line during the works")
    client = client_for(network.head_office)
    rows = [r for r in read_csv(client.get(URL, period(history))) if r["source"] == "check"]
    marked = [r for r in rows if r["site"] == "A1" and r["criterion"] == "phone_rings"
              and days[1].isoformat() <= r["date"] <= days[3].isoformat()]
    assert marked and {r["counted"] for r in marked} == {"false"}
    counted = Counter(r["site"] for r in rows if r["criterion"] == "phone_rings" and r["counted"] == "true")
    answer = _variance(client, history)
    a1 = next(s for s in answer["sites"] if s["code"] == "A1")
    rings = next(c for c in a1["criteria"] if c["key"] == "phone_rings")
    assert rings["observations"] == counted["A1"] > 0
