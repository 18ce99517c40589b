"""The test suite.

Locally it runs on the embedded defaults. Under CI=true it runs on the real services and refuses to
fall back: PostgreSQL, Redis and an S3 endpoint (moto's server, started by scripts/test.sh) must be
configured, or the run stops before a single test.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, STORAGE_BACKEND, VAR_DIR, env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False

CI = env.bool("CI", default=False)
if CI:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("CI=true: DATABASE_URL must point at PostgreSQL; refusing to test on SQLite.")
    if not env.str("CELERY_BROKER_URL", default="").startswith("redis://"):
        raise ImproperlyConfigured("CI=true: CELERY_BROKER_URL must point at Redis.")
    if STORAGE_BACKEND != "s3" or not env.str("S3_ENDPOINT_URL", default=""):
        raise ImproperlyConfigured("CI=true: STORAGE_BACKEND=s3 with S3_ENDPOINT_URL is required.")

# The report tests start a real Celery worker process, which must reach the test database: on SQLite
# that database is therefore a file, not in-memory, named per test process so parallel runs never share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
