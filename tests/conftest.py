"""Shared fixtures: the personas every access test uses, API clients that log in with real tokens,
and the S3 bucket on the test endpoint."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from consistency.models import Department, SubmittedBy
from sites import tokens
from sites.models import Role

from .factories import RegionFactory, SiteFactory, person, published_version

# For every folder: the browser fixtures (Chromium, the demo franchise), the SMTP server (tests/mail.py).
pytest_plugins = ["tests.browser", "tests.mail"]

# The longest files, run first. Under --dist loadfile (scripts/test.sh) a file runs whole on one process, and files
# are handed out in collection order: tests/test_seed_demo.py (about two minutes, one test) collected last ran alone
# while the other process had nothing left, adding its whole length to the suite's wall time.
LONGEST_FIRST = ("tests/test_seed_demo.py", "tests/stack/", "tests/drills/", "tests/backup/")


def pytest_collection_modifyitems(session, config, items):
    def rank(item) -> int:
        return next((n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each file's own order, and the rest's, unchanged


@pytest.fixture(scope="session", autouse=True)
def s3_bucket():
    """Create the bucket on the S3 endpoint the suite was pointed at (moto's server under make test)."""
    if settings.STORAGE_BACKEND != "s3":
        yield None
        return
    import boto3

    client = boto3.client("s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, region_name=settings.AWS_S3_REGION_NAME,
                          aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
                          aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if settings.AWS_STORAGE_BUCKET_NAME not in existing:
        client.create_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    yield client


@dataclass
class Network:
    """Two regions; site A1 and A2 in region A, B1 in region B; a person of every role."""

    region_a: object
    region_b: object
    a1: object
    a2: object
    b1: object
    manager_a: object  # manages A1
    manager_b: object  # manages B1
    head_office: object
    auditor: object  # region A
    auditor_b1: object  # site B1 only
    shopper: object  # mystery shopper assigned to A1
    accounting: object  # the accounting department (its staff submit its touch points)
    accountant: object  # accounting staff serving A1 and A2


@pytest.fixture
def network(db) -> Network:
    region_a = RegionFactory(code="region-a", name="Region A")
    region_b = RegionFactory(code="region-b", name="Region B")
    a1 = SiteFactory(code="A1", region=region_a, timezone="Pacific/Auckland")
    a2 = SiteFactory(code="A2", region=region_a, timezone="Pacific/Auckland")
    b1 = SiteFactory(code="B1", region=region_b, timezone="America/New_York")
    accounting, _ = Department.objects.get_or_create(
        key="accounting", defaults={"name": "Accounting", "submitted_by": SubmittedBy.DEPARTMENT})
    return Network(
        region_a=region_a, region_b=region_b, a1=a1, a2=a2, b1=b1,
        manager_a=person("manager.a1", Role.MANAGER, sites=[a1]),
        manager_b=person("manager.b1", Role.MANAGER, sites=[b1]),
        head_office=person("head.office", Role.HEAD_OFFICE),
        auditor=person("auditor", Role.AUDITOR, regions=[region_a]),
        auditor_b1=person("auditor.b1", Role.AUDITOR, sites=[b1]),
        shopper=person("shopper.a1", Role.MYSTERY_SHOPPER, sites=[a1]),
        accounting=accounting,
        accountant=person("accountant", Role.DEPARTMENT, sites=[a1, a2], department=accounting),
    )


@pytest.fixture
def standard(db):
    """The small test standard, published from 2026-01-01."""
    return published_version()


def client_for(user=None, *, device: str = "test client") -> APIClient:
    """An API client signed in as ``user`` with a token of its own (a device of its own), as a phone is."""
    client = APIClient()
    if user is not None:
        _, token = tokens.token_issue(user=user, device_name=device)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture(autouse=True)
def _fresh_sign_in_throttle():
    """DRF's sign-in throttle counts in the cache, which outlives a test: each test starts with none for the
    test client's address (only that key: the cache may be a Redis shared with other things)."""
    cache.delete(ScopedRateThrottle.cache_format % {"scope": "login", "ident": "127.0.0.1"})


@pytest.fixture
def api():
    return client_for
