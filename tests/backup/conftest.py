"""Storage of a test's own for the backup tests: a bucket nobody else writes to (so it can be listed whole), with
versioning on as docs/backups.md asks of production, or a folder on local disk."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import default_storage


@pytest.fixture
def versioned_bucket(settings, s3_bucket):
    """A fresh bucket with versioning enabled on the suite's S3 endpoint (moto's server over HTTP), made the
    default storage for the test. The suite's shared bucket is written by parallel tests: it cannot be listed."""
    if s3_bucket is None:
        pytest.skip("needs the S3 endpoint scripts/test.sh starts")
    name = f"backup-{uuid.uuid4().hex[:12]}"
    s3_bucket.create_bucket(Bucket=name)
    s3_bucket.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": name}}}
    assert default_storage.bucket_name == name
    yield name
    # Every version and delete marker, then the bucket: the endpoint outlives the test.
    for page in s3_bucket.get_paginator("list_object_versions").paginate(Bucket=name):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3_bucket.delete_object(Bucket=name, Key=item["Key"], VersionId=item["VersionId"])
    s3_bucket.delete_bucket(Bucket=name)


@pytest.fixture
def local_storage(settings, tmp_path):
    """Photos and reports on local disk (STORAGE_BACKEND=local, as ``make run``), in a folder of the test's own."""
    settings.STORAGE_BACKEND = "local"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    assert default_storage.location == str(tmp_path)
    return tmp_path

