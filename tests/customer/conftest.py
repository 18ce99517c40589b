"""Fixtures of the customer tests: the photo storage fixtures of the consistency tests, shared."""

from tests.consistency.conftest import local_storage  # noqa: F401  (a fixture, used by name)
