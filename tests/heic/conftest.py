"""The photo fixtures of tests/consistency, for the HEIC tests."""

from tests.consistency.conftest import local_storage, window_reaches_the_photo_test_day  # noqa: F401
from tests.pages.conftest import open_as  # noqa: F401,E402
