""""The version in force on a day" is one rule (selectors.standard): the ORM query, the SQL that the check
writer's variance append runs, and the variance Timeline all answer the same, on every day, whatever the
ties between versions."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from consistency.models import Criterion, Standard, StandardVersion, TouchPoint
from consistency.selectors.standard import version_in_force, version_in_force_sql
from consistency.variance.timeline import Timeline

pytestmark = pytest.mark.django_db

FIRST = dt.date(2026, 3, 1)


def released(standard, number: int, *, effective_from: dt.date, published_at: dt.datetime) -> StandardVersion:
    """A retired version with one criterion of its own, written directly (the service would refuse the ties
    this test needs): a draft gets its contents, then is released in one update, as the triggers allow."""
    version = StandardVersion.objects.create(standard=standard, number=number)
    point = TouchPoint.objects.create(version=version, key="tp", name="TP")
    Criterion.objects.create(version=version, touch_point=point, key=f"k{number}", prompt="p", kind="boolean",
                             target=1)
    StandardVersion.objects.filter(pk=version.pk).update(status="retired", effective_from=effective_from,
                                                         published_at=published_at)
    return version


def sql_answer(day: dt.date) -> int | None:
    sql, params = version_in_force_sql("%(date)s::date")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", {**params, "date": day})
        return cursor.fetchone()[0]


@pytest.mark.parametrize("seed", range(6))
def test_every_reader_of_the_rule_agrees_on_every_day(seed):
    rng = random.Random(seed)
    standard = Standard.objects.create(slug=f"s{seed}", name="S")
    base = timezone.now().replace(microsecond=0)
    # Few distinct days and instants, so that versions tie on effective_from, and on published_at too.
    instants = [base + dt.timedelta(hours=h) for h in range(4)]
    for number in range(1, 16):
        released(standard, number, effective_from=FIRST + dt.timedelta(days=rng.randrange(0, 12)),
                 published_at=rng.choice(instants))
    timeline = Timeline.load()
    for offset in range(-2, 16):
        day = FIRST + dt.timedelta(days=offset)
        expected = version_in_force(on=day)
        expected_id = expected.pk if expected else None
        in_timeline = timeline.in_force(day)
        assert (in_timeline.id if in_timeline else None) == expected_id, day
        assert sql_answer(day) == expected_id, day
    # And what the rule says, spelled out once here: the latest effective_from, the last published, the highest
    # number.
    day = FIRST + dt.timedelta(days=15)
    candidates = StandardVersion.objects.filter(effective_from__lte=day)
    best = max(candidates, key=lambda v: (v.effective_from, v.published_at, v.number))
    assert version_in_force(on=day) == best


def test_drafts_are_never_in_force(standard):
    draft = StandardVersion.objects.create(standard=standard.standard, number=99)
    StandardVersion.objects.filter(pk=draft.pk).update(effective_from=dt.date(2026, 6, 1))
    day = dt.date(2026, 7, 1)
    assert version_in_force(on=day) == standard
    assert sql_answer(day) == standard.pk
    assert Timeline.load().in_force(day).id == standard.pk
