"""The test suite.

Locally it runs on the embedded PostgreSQL that scripts/test.sh starts, with a scratch data folder, and
the filesystem broker. Under CI=true it runs on the real services and refuses to fall back: PostgreSQL,
Redis and an S3 endpoint (moto's server, started by scripts/test.sh) must be configured, or the run
stops before a single test.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL_GIVEN, STORAGE_BACKEND, env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False

CI = env.bool("CI", default=False)
if CI:
    if not DATABASE_URL_GIVEN:
        raise ImproperlyConfigured("CI=true: DATABASE_URL must point at the system PostgreSQL; refusing the "
                                   "embedded one.")
    if not env.str("CELERY_BROKER_URL", default="").startswith("redis://"):
        raise ImproperlyConfigured("CI=true: CELERY_BROKER_URL must point at Redis.")
    if STORAGE_BACKEND != "s3" or not env.str("S3_ENDPOINT_URL", default=""):
        raise ImproperlyConfigured("CI=true: STORAGE_BACKEND=s3 with S3_ENDPOINT_URL is required.")

# Mail goes over SMTP to 127.0.0.1:EMAIL_PORT: the aiosmtpd server a test starts (tests/mail.py, ``smtp_inbox``)
# and hands to its worker. In the test process itself Django's test set-up swaps the backend for its in-memory
# outbox unless the test asks for the real server (``smtp_inbox`` does).
EMAIL_PROVIDER = "smtp"
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=5)
SITE_URL = env.str("SITE_URL", default="http://testserver")
WEBHOOK_ALLOW_LOOPBACK_HTTP = True

# --- Audit trail (issue 19) ---
# pytest-django empties the database between transactional tests with TRUNCATE, which the triggers of
# audit/migrations/0002 refuse on the audit trail, evidence and report runs unless the session allows it.
# Only the test settings do; no deployment sets touchpoint.allow_purge.
DATABASES["default"]["OPTIONS"]["options"] = "-c touchpoint.allow_purge=on"  # noqa: F405

# --- Signed compliance packs (issue 20) ---
# A self-signed franchise certificate under the run's var dir, made once (every test process and worker of the run
# shares it): tests verify packs against it, and sign with another key of their own to see it refused.
if not env.str("PACK_SIGNING_KEY", default=""):
    from reports.certificates import ensure_certificate

    _key, _cert, _ = ensure_certificate(PACK_SIGNING_DIR, "Touchpoint Test Franchise")  # noqa: F405
    PACK_SIGNING_KEY, PACK_SIGNING_CERT = str(_key), str(_cert)
