"""The beat runs the sweep every few minutes and the digest on Monday mornings; the tasks are thin and safe twice."""

from __future__ import annotations

import pytest
from django.conf import settings

from alerts import tasks
from notify.models import Notice

pytestmark = pytest.mark.django_db


def test_the_beat_schedules_the_sweep_and_the_digest():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["alerts.sweep"].minute == set(range(0, 60, 5))
    digest = schedule["alerts.weekly_digest"]
    assert digest.day_of_week == {1} and digest.hour == {6}


def test_the_tasks_run_on_the_clock_and_twice_tell_nobody_twice(zones):
    first = tasks.sweep.run()
    # Today, by the real clock: both sites opened in March and never checked: yesterday is missed for each.
    assert first["found"].get("check.missed") == 2 and first["notices"] > 0
    stored = Notice.objects.count()
    again = tasks.sweep.run()
    assert again["found"] == first["found"] and again["notices"] == 0 and Notice.objects.count() == stored
    assert tasks.weekly_digest.run() == 3 and tasks.weekly_digest.run() == 0
