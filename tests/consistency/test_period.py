"""One period rule (consistency/services/period.py) for every endpoint and report that takes a period: the
same bad period gets the same 400, naming the same field with the same message, everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backend.errors import AppError
from consistency.services.period import latest_day, period_check
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()


def ask(user, endpoint: str, date_from: str, date_to: str):
    client = client_for(user)
    if endpoint == "reports":
        return client.post("/api/v1/reports/", {"kind": "variance", "from": date_from, "to": date_to,
                                                "sites": ["A1"]}, format="json")
    return client.get(endpoint, {"from": date_from, "to": date_to})


ENDPOINTS = ["/api/v1/sites/A1/checks/", "/api/v1/sites/A1/missed/", "/api/v1/missed/", "/api/v1/variance/",
             "/api/v1/sites/A1/variance/", "reports"]
BAD = {
    "too long": ("2025-01-01", "2026-03-04", "to", "to: a period covers at most 366 days; 2025-01-01..2026-03-04 "
                                                  "is 428."),
    "reversed": ("2026-03-05", "2026-03-04", "from", "from: the period starts (2026-03-05) after it ends "
                                                     "(2026-03-04)."),
    "in the future": (str(TODAY), str(TODAY + dt.timedelta(days=3)), "to", None),
    "before any record": ("1999-12-31", "2000-01-05", "from", "from: a day from 2000-01-01 on; 1999-12-31 is "
                                                              "before anything Touchpoint records."),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_every_endpoint_refuses_a_bad_period_alike(network, standard, case):
    date_from, date_to, field, message = BAD[case]
    answers = {}
    for endpoint in ENDPOINTS:
        response = ask(network.head_office, endpoint, date_from, date_to)
        assert response.status_code == 400, (endpoint, response.content)
        body = response.json()
        assert body["field"] == field, (endpoint, body)
        answers[endpoint] = body["message"]
    assert len(set(answers.values())) == 1, answers  # one rule, one wording
    if message is not None:
        assert next(iter(answers.values())) == message
    else:
        assert "is in the future" in next(iter(answers.values()))


def test_the_cap_is_one_setting(network, standard, settings):
    settings.PERIOD_MAX_DAYS = 7
    for endpoint in ENDPOINTS:
        response = ask(network.head_office, endpoint, "2026-03-01", "2026-03-08")
        assert response.status_code == 400 and response.json()["field"] == "to", endpoint
        assert "at most 7 days" in response.json()["message"]
        assert ask(network.head_office, endpoint, "2026-03-01", "2026-03-07").status_code in (200, 202), endpoint


def test_a_period_may_end_on_the_latest_local_day_anywhere():
    # 12:00 UTC is already 02:00 the next day at UTC+14: that day may be asked for, the one after may not.
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    assert latest_day(now) == dt.date(2026, 3, 11)
    period_check(dt.date(2026, 3, 1), dt.date(2026, 3, 11), now=now)
    with pytest.raises(AppError) as refused:
        period_check(dt.date(2026, 3, 1), dt.date(2026, 3, 12), now=now)
    assert refused.value.field == "to"
    assert refused.value.message == ("to: 2026-03-12 is in the future (it has begun nowhere yet); a period ends on "
                                     "2026-03-11 at the latest.")


def test_an_open_end_is_checked_for_what_applies_to_it():
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    period_check(None, None, now=now)
    period_check(dt.date(2020, 1, 1), None, now=now)  # no length without an end
    with pytest.raises(AppError) as refused:
        period_check(dt.date(2026, 4, 1), None, now=now)
    assert refused.value.field == "from"
    with pytest.raises(AppError) as refused:
        period_check(None, dt.date(1999, 1, 1), now=now)
    assert refused.value.field == "to"
