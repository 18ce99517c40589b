"""The scheduled housekeeping is wired: every beat entry names a registered task."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from backend.celery import app
from consistency.models import IdempotencyRecord
from consistency.tasks import purge_idempotency_keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_purge_forgets_old_idempotency_keys_but_keeps_a_day():
    user = UserFactory()
    old = IdempotencyRecord.objects.create(user=user, key="old", request_fingerprint="x")
    recent = IdempotencyRecord.objects.create(user=user, key="recent", request_fingerprint="x")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    IdempotencyRecord.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(hours=23))
    assert purge_idempotency_keys() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
