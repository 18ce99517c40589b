"""Fixtures shared by the consistency tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

# The day most photo tests are dated: the capture times in their EXIF and the amendments made "on the day"
# are written for it.
PHOTO_TEST_DAY = dt.date(2026, 3, 10)


@pytest.fixture
def window_reaches_the_photo_test_day(settings):
    """A day older than LATE_CHECK_WINDOW_DAYS takes no new photos; the photo tests, dated PHOTO_TEST_DAY,
    stretch the window back to it (a day of margin for the sites ahead of UTC). test_evidence_window.py tests
    the window itself, on days relative to today."""
    settings.LATE_CHECK_WINDOW_DAYS = max(7, (timezone.now().date() - PHOTO_TEST_DAY).days + 1)


@pytest.fixture
def local_storage(settings, tmp_path):
    """Photos on local disk (STORAGE_BACKEND=local, as ``make run``), in a folder of the test's own."""
    settings.STORAGE_BACKEND = "local"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    assert default_storage.location == str(tmp_path)
    return tmp_path


@pytest.fixture
def storage_writes(monkeypatch) -> list[str]:
    """The keys written to storage during the test (the bucket is shared by parallel tests: no listing)."""
    from consistency import storage

    written, put_new = [], storage.put_new

    def recording_put_new(key, fileobj, **kwargs):
        written.append(key)
        return put_new(key, fileobj, **kwargs)

    monkeypatch.setattr(storage, "put_new", recording_put_new)
    return written
