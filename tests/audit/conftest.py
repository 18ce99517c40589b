"""The audit tests reuse the photo tests' fixtures (local storage, a late window reaching their day)."""

from tests.consistency.conftest import local_storage, window_reaches_the_photo_test_day  # noqa: F401
