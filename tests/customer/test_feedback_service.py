"""The one write path of feedback: what a score means, the day totals kept in the same statement, the rules of a
response (the same for the API and the import), nothing half-saved."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from backend.errors import AppError, Forbidden
from customer.models import FeedbackDay, FeedbackQuestion, FeedbackResponse
from customer.services import feedback as services
from customer.services.feedback import normalized, satisfied

from .feedback_support import DAY, days_agree_with_responses

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("score", "scale", "expected"), [
    (0, "0-10", 0.0), (10, "0-10", 1.0), (7, "0-10", 0.7), (7.5, "0-10", 0.75), (8, "0-10", 0.8),
    (1, "1-5", 0.0), (5, "1-5", 1.0), (3, "1-5", 0.5), (4, "1-5", 0.75),
])
def test_normalized_puts_every_scale_on_0_to_1(score, scale, expected):
    assert normalized(score, scale) == pytest.approx(expected)


def test_satisfied_is_the_top_box_of_each_scale():
    assert [s for s in range(11) if satisfied(normalized(s, "0-10"))] == [8, 9, 10]
    assert [s for s in range(1, 6) if satisfied(normalized(s, "1-5"))] == [4, 5]
    assert satisfied(0.75) and not satisfied(0.7499999)


def test_the_days_sql_counts_satisfied_as_the_python_function_does(network):
    """The writer's SQL is given the same constant: on every score of both scales (the boundaries included) the
    day's satisfied count is what ``satisfied`` says."""
    rows = []
    lookups = services.Lookups.load(now=timezone.now())
    for scale, scores in (("0-10", [x / 2 for x in range(21)]), ("1-5", [1 + x / 4 for x in range(17)])):
        for score in scores:
            row, errors = services.validate_row({"site": "A1", "date": DAY.isoformat(), "score": score,
                                                 "scale": scale}, lookups, from_text=False)
            assert not errors
            rows.append(row)
    services.write_rows(rows, user=network.head_office, now=timezone.now())
    day = FeedbackDay.objects.get()
    assert day.responses == len(rows)
    assert day.satisfied == sum(satisfied(r.normalized) for r in rows)
    days_agree_with_responses()


def test_a_response_and_its_day_are_written_together(network):
    question = FeedbackQuestion.objects.create(key="greeted", text="Were you greeted promptly?")
    for score, q in ((9, None), (6, None), (4, "greeted")):
        services.feedback_submit(user=network.head_office, data={
            "site": "A1", "date": DAY.isoformat(), "channel": "sms", "score": score,
            "scale": "0-10" if q is None else "1-5", **({"question": q} if q else {})})
    overall = FeedbackDay.objects.get(question=None)
    assert (overall.responses, overall.satisfied) == (2, 1)
    assert overall.normalized_sum == pytest.approx(0.9 + 0.6)
    assert overall.normalized_sq_sum == pytest.approx(0.81 + 0.36)
    greeted = FeedbackDay.objects.get(question=question)
    assert (greeted.responses, greeted.satisfied, greeted.normalized_sum) == (1, 1, 0.75)
    days_agree_with_responses()


def test_a_refused_response_stores_nothing(network):
    with pytest.raises(AppError) as refused:
        services.feedback_submit(user=network.head_office, data={
            "site": "A1", "date": DAY.isoformat(), "channel": "sms", "score": 11, "scale": "0-10"})
    assert refused.value.field == "score"
    assert not FeedbackResponse.objects.exists() and not FeedbackDay.objects.exists()


def test_a_failed_statement_leaves_neither_responses_nor_days(network):
    """One statement: if the days' part fails, the responses' part is gone too (here a trigger refuses days)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION refuse_day() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "RAISE EXCEPTION 'no days today'; END $$")
        cursor.execute("CREATE TRIGGER refuse_day BEFORE INSERT ON customer_feedbackday "
                       "FOR EACH ROW EXECUTE FUNCTION refuse_day()")
    with pytest.raises(Exception, match="no days today"):
        services.feedback_submit(user=network.head_office, data={
            "site": "A1", "date": DAY.isoformat(), "channel": "sms", "score": 5, "scale": "0-10"})
    assert not FeedbackResponse.objects.exists()


def test_only_head_office_writes_feedback(network):
    for user in (network.manager_a, network.auditor, network.shopper, network.accountant):
        with pytest.raises(Forbidden):
            services.feedback_submit(user=user, data={})


def test_a_day_in_one_sites_future_is_today_at_another(network):
    # 12:00 UTC: 01:00 the next day in Auckland (A1), 07:00 the same day in New York (B1).
    now = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
    lookups = services.Lookups.load(now=now)
    raw = {"date": "2026-12-06", "score": 3, "scale": "1-5"}
    assert services.validate_row({**raw, "site": "A1"}, lookups, from_text=False)[1] == []
    _, errors = services.validate_row({**raw, "site": "B1"}, lookups, from_text=False)
    assert [(e.field, e.code) for e in errors] == [("date", "future_date")]
    assert "its local date is 2026-12-05" in errors[0].message


def test_text_and_json_values_follow_the_same_rules(network):
    lookups = services.Lookups.load()
    base = {"site": "A1", "date": DAY.isoformat(), "scale": "1-5"}
    assert services.validate_row({**base, "score": "4"}, lookups, from_text=True)[0].normalized == 0.75
    assert services.validate_row({**base, "score": 4}, lookups, from_text=False)[0].normalized == 0.75
    for raw, text in (("four", True), ("4", False), (True, False), (float("nan"), False), ("inf", True)):
        _, errors = services.validate_row({**base, "score": raw}, lookups, from_text=text)
        assert [(e.field, e.code) for e in errors] == [("score", "not_a_number")], raw


def test_a_batch_with_a_stored_response_id_stores_the_others(network):
    lookups = services.Lookups.load()
    row = lambda rid, score: services.validate_row(  # noqa: E731
        {"site": "A2", "date": DAY.isoformat(), "score": score, "scale": "0-10", "response_id": rid},
        lookups, from_text=False)[0]
    services.write_rows([row("r1", 9)], user=None, now=timezone.now())
    inserted = services.write_rows([row("r1", 2), row("r2", 3), row("", 4)], user=None, now=timezone.now(),
                                   batch=uuid.uuid4())
    assert sorted(i.response_id for i in inserted) == ["", "r2"]
    assert FeedbackDay.objects.get().responses == 3
    days_agree_with_responses()
