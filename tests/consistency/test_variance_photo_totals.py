"""The photo counts' running totals (SitePhotoDay.*_total, kept by consistency/services/photo_days.py): equal to
the day counts added up, whatever the order the days were written in, for any period; built the same way by
the migration that added them; and not lost when a new day and an earlier day are written at once."""

import datetime as dt
import importlib
import random
import threading

import pytest
from django.db import connection, transaction

from consistency.models import SitePhotoDay
from consistency.services import photo_days
from consistency.variance.photos import photo_counts
from consistency.variance.types import PhotoCounts
from sites.models import Site

from .checks_support import wait_until_blocked

D = dt.date
FIELDS = ("verified", "reused", "stale", "suspect")
BACKFILL = next(op.sql for op in importlib.import_module(
    "consistency.migrations.0012_site_photo_running_totals").Migration.operations if hasattr(op, "sql"))


class Photo:
    """What photos_verified reads of a photo."""

    def __init__(self, site_id, day, *, reused=False, stale=False):
        self.site_id, self.day = site_id, day
        self.reused_from_id = 1 if reused else None
        self.stale_capture = stale


def brute_force(site_id, date_from, date_to) -> PhotoCounts:
    rows = SitePhotoDay.objects.filter(site_id=site_id, day__range=(date_from, date_to))
    return PhotoCounts(*(sum(getattr(r, f) for r in rows) for f in FIELDS))


def totals_are_running_sums() -> None:
    for site_id in set(SitePhotoDay.objects.values_list("site_id", flat=True)):
        running = [0, 0, 0, 0]
        for row in SitePhotoDay.objects.filter(site_id=site_id).order_by("day"):
            running = [t + getattr(row, f) for t, f in zip(running, FIELDS, strict=True)]
            assert [getattr(row, f"{f}_total") for f in FIELDS] == running, (site_id, row.day)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_periods_read_from_running_totals_equal_the_day_counts_added_up(network, seed):
    rng = random.Random(seed)
    sites = [network.a1, network.a2, network.b1]
    days = [D(2026, 3, 1) + dt.timedelta(days=i) for i in range(30)]
    for _ in range(120):  # days written in any order: late photos, copies flagged long after
        site, day = rng.choice(sites), rng.choice(days)
        if rng.random() < 0.7:
            photo_days.photos_verified([Photo(site.pk, day, reused=rng.random() < 0.2, stale=rng.random() < 0.2)
                                        for _ in range(rng.randint(1, 3))])
        elif SitePhotoDay.objects.filter(site=site, day=day).exists():
            photo_days.copies_flagged([(site.pk, day, rng.random() < 0.3)])
    totals_are_running_sums()
    for _ in range(40):
        a, b = sorted(rng.sample(days + [D(2026, 2, 20), D(2026, 4, 10)], 2))
        got = photo_counts(sites=Site.objects.all(), date_from=a, date_to=b)
        for site in sites:
            assert got.get(site.pk, PhotoCounts()) == brute_force(site.pk, a, b), (site.code, a, b)
    assert photo_counts(sites=Site.objects.none(), date_from=days[0], date_to=days[-1]) == {}


def test_the_migration_counts_the_totals_as_the_writer_does(network):
    rng = random.Random(7)
    for _ in range(60):
        day = D(2026, 3, 1) + dt.timedelta(days=rng.randrange(20))
        photo_days.photos_verified([Photo(rng.choice([network.a1, network.b1]).pk, day, stale=rng.random() < 0.5)])
    written = sorted(SitePhotoDay.objects.values_list("site_id", "day", *(f"{f}_total" for f in FIELDS)))
    SitePhotoDay.objects.update(verified_total=0, reused_total=0, stale_total=0, suspect_total=0)
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL)
    assert sorted(SitePhotoDay.objects.values_list("site_id", "day", *(f"{f}_total" for f in FIELDS))) == written


@pytest.mark.django_db(transaction=True)
def test_a_new_day_and_an_earlier_day_written_at_once_lose_nothing(network, monkeypatch):
    """A photo of a new day (its row starts from the totals before it) is being verified while a copy is flagged
    on an earlier day (added to every later row): the second waits for the first, and then adds to its row."""
    site = network.a1
    photo_days.photos_verified([Photo(site.pk, D(2026, 3, 1))])
    holding, release = threading.Event(), threading.Event()
    real_add = photo_days._add

    def add(rows):
        real_add(rows)
        if threading.current_thread().name == "new-day":
            holding.set()  # written, not committed
            assert release.wait(30)

    monkeypatch.setattr(photo_days, "_add", add)
    errors = []

    def run(work):
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                work()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    new_day = threading.Thread(target=run, name="new-day", args=(
        lambda: photo_days.photos_verified([Photo(site.pk, D(2026, 3, 9))]),))
    new_day.start()
    assert holding.wait(30)
    flag = threading.Thread(target=run, name="flag", args=(
        lambda: photo_days.copies_flagged([(site.pk, D(2026, 3, 1), False)]),))
    flag.start()
    wait_until_blocked(flag)
    release.set()
    new_day.join(30)
    flag.join(30)
    assert errors == []
    totals_are_running_sums()
    last = SitePhotoDay.objects.get(site=site, day=D(2026, 3, 9))
    assert (last.verified_total, last.reused_total, last.suspect_total) == (2, 1, 1)
    assert photo_counts(sites=Site.objects.filter(pk=site.pk), date_from=D(2026, 3, 1), date_to=D(2026, 3, 9)) == {
        site.pk: PhotoCounts(verified=2, reused=1, stale=0, suspect=1)}
