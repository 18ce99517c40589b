"""Shared by the feedback tests: a day every test site has begun and ended, a CSV built from rows, posting."""

from __future__ import annotations

import datetime as dt
import io

from customer.models import FeedbackDay, FeedbackResponse
from customer.services.feedback import SATISFIED_AT

# Three days ago is past at every site (UTC-12 to UTC+14), whatever the clock says.
DAY = dt.date.today() - dt.timedelta(days=3)
HEADER = "site,date,score,scale,channel,question,comment,response_id"


def body(**overrides) -> dict:
    data = {"site": "A1", "date": DAY.isoformat(), "channel": "sms", "score": 9, "scale": "0-10"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, **headers):
    return client.post("/api/v1/feedback/", data, format="json", **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                                    for k, v in headers.items()})


def csv_bytes(*lines: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *lines]) + "\n").encode())


def days_agree_with_responses() -> None:
    """Every FeedbackDay equals the sum of its responses, and no response lacks its day."""
    expected: dict = {}
    for r in FeedbackResponse.objects.all():
        key = (r.site_id, r.date, r.question_id)
        n, sat, total, sq = expected.get(key, (0, 0, 0.0, 0.0))
        expected[key] = (n + 1, sat + (r.normalized >= SATISFIED_AT), total + r.normalized, sq + r.normalized ** 2)
    stored = {(d.site_id, d.date, d.question_id): d for d in FeedbackDay.objects.all()}
    assert set(stored) == set(expected)
    for key, (n, sat, total, sq) in expected.items():
        day = stored[key]
        assert (day.responses, day.satisfied) == (n, sat), key
        assert abs(day.normalized_sum - total) < 1e-9 and abs(day.normalized_sq_sum - sq) < 1e-9, key
