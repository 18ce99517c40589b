"""The audit tests reuse the photo tests' fixtures (local storage, a late window reaching their day)."""

from tests.consistency.conftest import local_storage, window_reaches_the_photo_test_day  # noqa: F401
from tests.pages.conftest import open_as  # noqa: E402, F401  (the pages' signed-in browser, for the trail's page)
