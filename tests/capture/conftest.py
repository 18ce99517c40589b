"""The capture tests use the photo tests' fixtures (tests/consistency/conftest.py)."""

from ..consistency.conftest import local_storage, storage_writes, window_reaches_the_photo_test_day  # noqa: F401
