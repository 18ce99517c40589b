"""Production: every secret comes from the environment; nothing insecure is defaulted."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASE_URL_GIVEN, SECRET_KEY, _logs, env

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters.")
# The embedded PostgreSQL is a laptop's: production names its database.
if not DATABASE_URL_GIVEN:
    raise ImproperlyConfigured("DATABASE_URL must be set (postgres://user:password@host:5432/name).")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# The links in e-mail and webhooks: the first allowed host over HTTPS unless SITE_URL names the address.
SITE_URL = env.str("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else "").rstrip("/")
WEBHOOK_ALLOW_LOOPBACK_HTTP = False

# --- Deployment (issue 19) ---------------------------------------------------------------------------
# JSON log lines for the log collector; /metrics needs METRICS_TOKEN unless METRICS_OPEN=true (the network keeps
# strangers out). The probes answer over plain HTTP on any Host (backend.health.Probes, before the SSL redirect).
LOG_FORMAT = env.str("LOG_FORMAT", default="json").strip().lower()
LOGGING = _logs.logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)  # noqa: F405
METRICS_OPEN = env.bool("METRICS_OPEN", default=False)
# A compliance pack is never issued unsigned: migrate (the release step, the chart's Job, compose's one-shot) and
# every check refuse to run without a usable PACK_SIGNING_KEY and PACK_SIGNING_CERT (reports.E010).
PACK_SIGNING_REQUIRED = True

# --- fault drills (issue 19) ---
# The broker (CELERY_BROKER_URL) must persist what it holds: a Redis broker runs with append-only persistence and
# never evicts (infra/redis.conf: appendonly yes, appendfsync everysec, maxmemory-policy noeviction); a RabbitMQ
# broker with durable queues and persistent messages (Celery's defaults). A Redis without them loses every queued
# render, notice and retry when it restarts; the database's sweeps would queue them again, minutes late
# (docs/drills.md). The cache (CACHE_URL) belongs on another Redis, one that may evict.
