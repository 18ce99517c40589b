"""POST/GET /api/v1/feedback/ and /api/v1/feedback/questions/: who may, every bad field named, a retry stored
once, the Idempotency-Key, the readable scope, pinned query counts, the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.services.period import latest_day
from customer.models import FeedbackDay, FeedbackQuestion, FeedbackResponse
from tests.conftest import client_for

from .feedback_support import DAY, body, days_agree_with_responses, post

pytestmark = pytest.mark.django_db


def test_head_office_posts_a_response(network):
    answer = post(client_for(network.head_office), body(comment="Lovely staff", response_id="t-1"))
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["site"] == "A1" and data["score"] == 9 and data["normalized"] == 0.9 and data["satisfied"] is True
    assert data["comment"] == "Lovely staff" and data["question"] is None and data["response_id"] == "t-1"
    stored = FeedbackResponse.objects.get()
    assert stored.submitted_by == network.head_office and stored.batch is None
    assert FeedbackDay.objects.get().responses == 1


@pytest.mark.parametrize("persona", ["manager_a", "auditor", "shopper", "accountant", "manager_b"])
def test_no_one_else_posts_feedback(network, persona):
    answer = post(client_for(getattr(network, persona)), body())
    assert answer.status_code == 403
    assert "head office" in answer.json()["message"]
    assert not FeedbackResponse.objects.exists()


def test_a_stranger_is_401(network):
    assert post(client_for(None), body()).status_code == 401


FUTURE = (latest_day() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"site": "ZZ9"}, "site", "unknown_site"),
    ({"site": None}, "site", "required"),
    ({"score": 11}, "score", "out_of_scale"),
    ({"score": -1}, "score", "out_of_scale"),
    ({"score": 0, "scale": "1-5"}, "score", "out_of_scale"),
    ({"score": "9"}, "score", "not_a_number"),
    ({"score": True}, "score", "not_a_number"),
    ({"score": None}, "score", "required"),
    ({"scale": "0-100"}, "scale", "unknown_scale"),
    ({"scale": None}, "scale", "required"),
    ({"date": FUTURE}, "date", "future_date"),
    ({"date": "05/12/2026"}, "date", "bad_date"),
    ({"date": "2026-02-30"}, "date", "bad_date"),
    ({"date": "2025-12-31"}, "date", "before_opening"),
    ({"question": "nope"}, "question", "unknown_question"),
    ({"channel": None}, "channel", "required"),
    ({"channel": "text message"}, "channel", "invalid"),
    ({"comment": "x" * 4001}, "comment", "max_length"),
    ({"response_id": 7}, "response_id", "invalid"),
    ({"colour": "red"}, "colour", "unknown_field"),
    ({"site": "A\u0000"}, "site", "unknown_site"),
    ({"question": "q\u0000"}, "question", "unknown_question"),
    ({"comment": "a\u0000b"}, "comment", "invalid"),
])
def test_every_bad_field_is_a_400_naming_it(network, change, field, code):
    data = {**body(), **change}
    answer = post(client_for(network.head_office), {k: v for k, v in data.items() if v is not None})
    assert answer.status_code == 400, answer.content
    error = answer.json()
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"].startswith(f"{field}: ")
    assert not FeedbackResponse.objects.exists()


def test_codes_are_read_without_surrounding_spaces(network):
    assert post(client_for(network.head_office), body(site=" A1 ", channel=" sms ")).status_code == 201


def test_every_problem_is_listed_at_once(network):
    answer = post(client_for(network.head_office), {"site": "ZZ9", "date": "x", "score": "x", "scale": "x"})
    assert answer.status_code == 400
    assert {e["field"] for e in answer.json()["errors"]} == {"site", "date", "score", "scale", "channel"}


def test_a_retry_with_the_same_response_id_is_stored_once(network):
    client = client_for(network.head_office)
    first = post(client, body(response_id="r-1"))
    again = post(client, body(response_id="r-1"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert FeedbackResponse.objects.count() == 1 and FeedbackDay.objects.get().responses == 1


def test_the_same_response_id_with_another_body_is_a_409(network):
    client = client_for(network.head_office)
    assert post(client, body(response_id="r-1")).status_code == 201
    answer = post(client, body(response_id="r-1", score=3, comment="changed"))
    assert answer.status_code == 409
    error = answer.json()
    assert error["field"] == "response_id" and error["code"] == "duplicate_response_id"
    assert "score, comment" in error["message"]
    assert FeedbackResponse.objects.count() == 1


def test_a_response_id_is_per_question(network):
    FeedbackQuestion.objects.create(key="greeted", text="Greeted?")
    client = client_for(network.head_office)
    assert post(client, body(response_id="r-1")).status_code == 201
    assert post(client, body(response_id="r-1", question="greeted", scale="1-5", score=4)).status_code == 201
    assert FeedbackResponse.objects.count() == 2
    days_agree_with_responses()


def test_responses_without_an_id_are_each_stored(network):
    client = client_for(network.head_office)
    assert [post(client, body()).status_code for _ in range(2)] == [201, 201]
    assert FeedbackDay.objects.get().responses == 2


def test_the_idempotency_key_replays_the_first_answer(network):
    client = client_for(network.head_office)
    first = post(client, body(), **{"Idempotency-Key": "k-1"})
    again = post(client, body(), **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert FeedbackResponse.objects.count() == 1
    other = post(client, body(score=2), **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"


def test_a_refused_body_does_not_use_up_the_key(network):
    client = client_for(network.head_office)
    assert post(client, body(score=12), **{"Idempotency-Key": "k-2"}).status_code == 400
    assert post(client, body(score=9), **{"Idempotency-Key": "k-2"}).status_code == 201


# --- reading ------------------------------------------------------------------------------------

@pytest.fixture
def some_feedback(network):
    client = client_for(network.head_office)
    for site, score in (("A1", 9), ("A1", 3), ("A2", 7), ("B1", 10)):
        assert post(client, body(site=site, score=score)).status_code == 201
    assert post(client, body(site="A2", date=(DAY - dt.timedelta(days=10)).isoformat())).status_code == 201
    return network


def _sites(answer) -> list[str]:
    assert answer.status_code == 200, answer.content
    return sorted(r["site"] for r in answer.json()["results"])


@pytest.mark.parametrize(("persona", "sites"), [
    ("head_office", ["A1", "A1", "A2", "A2", "B1"]),
    ("auditor", ["A1", "A1", "A2", "A2"]),       # region A
    ("auditor_b1", ["B1"]),
    ("manager_a", ["A1", "A1"]),
    ("manager_b", ["B1"]),
    ("accountant", ["A1", "A1", "A2", "A2"]),    # serves A1 and A2
    ("shopper", []),                             # a mystery shopper reads no site's data
])
def test_each_role_reads_the_feedback_of_its_sites(some_feedback, persona, sites):
    assert _sites(client_for(getattr(some_feedback, persona)).get("/api/v1/feedback/")) == sites


def test_the_filters(some_feedback):
    client = client_for(some_feedback.head_office)
    assert _sites(client.get("/api/v1/feedback/?site=A2")) == ["A2", "A2"]
    assert _sites(client.get("/api/v1/feedback/?region=region-b")) == ["B1"]
    assert _sites(client.get(f"/api/v1/feedback/?from={DAY}&to={DAY}&site=A2")) == ["A2"]
    old = (DAY - dt.timedelta(days=10)).isoformat()
    assert _sites(client.get(f"/api/v1/feedback/?to={old}")) == ["A2"]


def test_a_site_or_region_outside_ones_scope_is_refused_by_name(some_feedback):
    client = client_for(some_feedback.manager_a)
    answer = client.get("/api/v1/feedback/?site=B1")
    assert answer.status_code == 404 and answer.json()["field"] == "site"
    answer = client.get("/api/v1/feedback/?region=region-b")
    assert answer.status_code == 400 and answer.json()["field"] == "region"
    answer = client.get("/api/v1/feedback/?from=yesterday")
    assert answer.status_code == 400 and answer.json()["field"] == "from"


def test_listing_is_a_fixed_number_of_queries(some_feedback):
    def queries(user) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/feedback/").status_code == 200
        return len(ctx)

    before = {"head_office": queries(some_feedback.head_office), "manager_a": queries(some_feedback.manager_a)}
    client = client_for(some_feedback.head_office)
    for i in range(20):
        post(client, body(site=("A1", "B1")[i % 2], score=i % 11))
    assert queries(some_feedback.head_office) == before["head_office"] == 4
    assert queries(some_feedback.manager_a) == before["manager_a"] == 4


# --- questions -----------------------------------------------------------------------------------

def _question(client, **data):
    return client.post("/api/v1/feedback/questions/", {"key": "greeted", "text": "Were you greeted promptly?",
                                                        **data}, format="json")


def test_head_office_maps_questions_to_the_released_standard(network, standard):
    client = client_for(network.head_office)
    assert _question(client, touch_point_key="phone", criterion_key="phone_greeting").status_code == 201
    assert _question(client, key="clean", touch_point_key="restroom").status_code == 201
    assert _question(client, key="overall", text="How was your visit?").status_code == 201
    listed = client_for(network.manager_a).get("/api/v1/feedback/questions/").json()
    assert [(q["key"], q["touch_point_key"], q["criterion_key"]) for q in listed] == [
        ("clean", "restroom", ""), ("greeted", "phone", "phone_greeting"), ("overall", "", "")]


@pytest.mark.parametrize(("data", "field", "code"), [
    ({"touch_point_key": "lobby"}, "touch_point_key", "unknown_touch_point"),
    ({"touch_point_key": "phone", "criterion_key": "nope"}, "criterion_key", "unknown_criterion"),
    ({"touch_point_key": "phone", "criterion_key": "restroom_clean"}, "criterion_key",
     "criterion_not_under_touch_point"),
    ({"criterion_key": "phone_greeting"}, "touch_point_key", "required"),
    ({"text": ""}, "text", "blank"),
    ({"key": "not a slug"}, "key", "invalid"),
])
def test_a_question_mapped_to_nothing_released_is_a_named_400(network, standard, data, field, code):
    answer = _question(client_for(network.head_office), **data)
    assert answer.status_code == 400, answer.content
    assert (answer.json()["field"], answer.json()["code"]) == (field, code)
    assert not FeedbackQuestion.objects.exists()


def test_a_draft_only_touch_point_is_not_released(network, standard):
    from consistency.services import standard as standard_services
    from consistency.services.standard_document import parse_document
    from tests.factories import small_standard_doc

    doc = small_standard_doc()
    doc["touch_points"].append({"key": "lobby", "name": "Lobby", "criteria": [
        {"key": "lobby_tidy", "prompt": "Tidy", "kind": "boolean"}]})
    standard_services.version_create_from_document(doc=parse_document(doc))  # a draft
    answer = _question(client_for(network.head_office), touch_point_key="lobby")
    assert answer.status_code == 400 and answer.json()["field"] == "touch_point_key"


def test_a_question_key_in_use_is_a_409(network, standard):
    client = client_for(network.head_office)
    assert _question(client).status_code == 201
    answer = _question(client)
    assert answer.status_code == 409 and answer.json()["field"] == "key"


@pytest.mark.parametrize("persona", ["manager_a", "auditor", "shopper"])
def test_only_head_office_adds_questions(network, standard, persona):
    assert _question(client_for(getattr(network, persona))).status_code == 403


def test_the_schema_describes_feedback(network):
    schema = client_for(network.head_office).get("/api/schema/?format=json").json()
    post_op = schema["paths"]["/api/v1/feedback/"]["post"]
    assert set(post_op["responses"]) >= {"200", "201"}
    assert any(p["name"] == "Idempotency-Key" for p in post_op["parameters"])
    request = schema["components"]["schemas"]["FeedbackInputRequest"]
    assert set(request["required"]) == {"site", "date", "channel", "score", "scale"}
    assert {p["name"] for p in schema["paths"]["/api/v1/feedback/"]["get"]["parameters"]} >= {
        "from", "to", "site", "region"}
    assert "post" in schema["paths"]["/api/v1/feedback/questions/"]
