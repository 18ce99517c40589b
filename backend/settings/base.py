"""Settings shared by every environment.

The environment is read here, once. Each integration switches by one variable:
DATABASE_URL (PostgreSQL, always; by default the embedded server `make run` starts, in var/postgres),
CELERY_BROKER_URL (an embedded filesystem broker by default),
STORAGE_BACKEND (``local`` files by default, or ``s3`` for AWS S3 / MinIO / any S3 endpoint).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from backend import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Where the embedded defaults keep their state (the embedded PostgreSQL's data, photos, PDFs, the filesystem broker).
VAR_DIR = Path(env.str("TOUCHPOINT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sites",
    "consistency",
    "customer",
    "reports",
    "notify",
    "alerts",
    "exports",
    "audit",  # the audit trail (issue 19): append-only, hash-chained
    "pages",
    "django_htmx",
    "django_tables2",
    "health_check",  # /health/live and /health/ready (backend/health.py): the library's templates
    "django_prometheus",  # /metrics (backend/metrics.py): requests, latencies, database
]

MIDDLEWARE = [
    "backend.logs.RequestId",  # first: every log line of the request, redirects too, carries its id
    "backend.health.Probes",  # /health/* and /metrics answered here, whatever the Host (kubelet, Prometheus)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first but the id: times the whole request
    "django.middleware.security.SecurityMiddleware",
    "backend.body_limits.LimitBodies",  # a body over its view's limit: 413 before it is read (chunked too)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.middleware.CompressApiReads",
    "backend.middleware.DatabaseUnavailable",  # a statement cut at REQUEST_STATEMENT_TIMEOUT_MS: 503, not 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pages.language.PersonLanguage",  # the person's language, else the browser's (after the user is known)
    "django.contrib.messages.middleware.MessageMiddleware",
    "backend.middleware.IdleSessionTimeout",  # a page session idle past SESSION_IDLE_MINUTES ends (after messages)
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused by django-axes (the login page, the admin) into its 429 page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: counts every answer, by view and status
]

# django-axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context.navigation",
            ],
        },
    },
]

# PostgreSQL is the only database, on a laptop as in production. Without DATABASE_URL this is the embedded
# server that `make run` starts (backend/devserver.py): its data and socket are in EMBEDDED_DB_DIR, so
# manage.py run beside `make run` reaches it too. production.py refuses to start without DATABASE_URL.
EMBEDDED_DB_DIR = VAR_DIR / "postgres"
EMBEDDED_DB_NAME = "touchpoint"
_given_database_url = env.str("DATABASE_URL", default="")
DATABASE_URL_GIVEN = bool(_given_database_url)
DATABASE_URL = _given_database_url or embedded_db.url(EMBEDDED_DB_DIR, EMBEDDED_DB_NAME)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at PostgreSQL (postgres://user:password@host:5432/name), not "
        f"{DATABASE_URL.split(':', 1)[0]}://...: Touchpoint runs on PostgreSQL only. Leave it unset for the "
        f"embedded PostgreSQL that `make run` starts.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# Server-side parameter binding lets psycopg prepare a statement it has run 5 times on a connection:
# the hot path's statements are then planned once per connection, not on every request.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options.setdefault("server_side_binding", env.bool("DATABASE_SERVER_SIDE_BINDING", default=True))
# "off" disables preparing (psycopg's None), e.g. behind a pooler that cannot carry prepared statements.
_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
_options.setdefault("prepare_threshold", None if _threshold in ("off", "none", "") else int(_threshold))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Every language the pages, PDFs, e-mails and the standard come in (a standard document must translate every
# item into each, consistency.services.standard_document); the first is the standard's own.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- Storage: photos and PDFs -------------------------------------------------------------------
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
AWS_STORAGE_BUCKET_NAME = env.str("S3_BUCKET", default="touchpoint")
AWS_S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("S3_REGION", default="us-east-1")
AWS_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path")
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("DOWNLOAD_LINK_SECONDS", default=300)
# Evidence originals are never overwritten: a second write to a key is refused by the service,
# and the storage never renames silently.
AWS_S3_FILE_OVERWRITE = False

if STORAGE_BACKEND == "s3":
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
elif STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise environ.ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")

STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "broker"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    # Tasks run well under this (see reports.tasks time limits), so a slow render is never redelivered
    # to a second worker while the first is still on it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"

# --- Cache: DRF's throttle counts ---------------------------------------------------------------
# Redis (CACHE_URL, or REDIS_URL) so that every process counts the same requests; without it each process
# counts its own in memory, which is right only for ``make run``'s one server (``check --deploy`` says so).
_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url_config(_cache_url) if _cache_url else
          {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "touchpoint"}}

# --- Signing in -----------------------------------------------------------------------------------
# How many proxies of ours stand in front of the server: the client's address is the one the outermost of
# them reports (X-Forwarded-For, read from the right). 0: REMOTE_ADDR, and X-Forwarded-For is ignored.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# API tokens (django-rest-knox): one per device, only a digest stored, expiring after this many days unused.
TOKEN_IDLE_DAYS = env.int("TOKEN_IDLE_DAYS", default=30)
KNOX_TOKEN_MODEL = "sites.DeviceToken"
# Knox's own migrations would create its default token table even though KNOX_TOKEN_MODEL replaces it (they do
# not declare the swap), and that table would then block a flush of auth_user: it has no table here.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=TOKEN_IDLE_DAYS),
    "AUTO_REFRESH": True,  # each use moves the expiry TOKEN_IDLE_DAYS ahead: an idle limit
    "MIN_REFRESH_INTERVAL": 60,  # seconds: a token in use is written at most once a minute
    "AUTH_HEADER_PREFIX": "Token",
}
# Lockout (django-axes): this many failed sign-ins for one username, or from one address, within the cool-off
# refuse that username or address on every way in (token, login page, admin) until the cool-off has passed
# since the last failure. Kept in the database: every process sees the same count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "sites.lockout.client_address"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "sites.lockout.lockout_page"
AXES_DISABLE_ACCESS_LOG = True  # failures are what lockout needs; successful sign-ins are not kept
AXES_VERBOSE = False  # no banner at startup; failures are still logged

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sites.authentication.DeviceTokenAuthentication",
        "sites.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "backend.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_PARSER_CLASSES": ["backend.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_THROTTLE_RATES": {"login": env.str("LOGIN_THROTTLE", default="20/min")},
    "NUM_PROXIES": TRUSTED_PROXIES,  # throttles key on the address TRUSTED_PROXIES reports (sites.lockout)
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Touchpoint API",
    "DESCRIPTION": "One service standard, checked at every site of a franchise, every day.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI's assets are served from this server, not a CDN: the docs work offline and behind firewalls.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # The one shape of every refusal, named on every operation (backend/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "backend.schema.document_refusals"],
    # Several models have a "status"; name each set of choices so the schema is stable and warning-free.
    "ENUM_NAME_OVERRIDES": {
        "VersionStatusEnum": "consistency.models.standard.VersionStatus",
        "EvidenceStatusEnum": "consistency.models.checks.EvidenceStatus",
        "ActionStatusEnum": "consistency.services.actions.SHOWN_STATUSES",  # open, overdue, resolved
        "ReportStatusEnum": "reports.models.RunStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "CriterionKindEnum": "consistency.models.standard.Kind",
        "AuditKindEnum": "customer.models.AuditKind",
        "NotifyEventEnum": "notify.events.Event",
        "NotifyModeEnum": "notify.events.Mode",
        "WebhookDeliveryStatusEnum": "notify.models.DeliveryStatus",
    },
}

# --- Touchpoint ---------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")
LATE_CHECK_WINDOW_DAYS = env.int("LATE_CHECK_WINDOW_DAYS", default=7)
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=256 * 1024)
CORRECTIVE_ACTION_DUE_DAYS = env.int("CORRECTIVE_ACTION_DUE_DAYS", default=3)
# Alerts (alerts/rules.py): an open action due within this many days of the site's local today reminds its
# managers; one overdue by ACTION_ESCALATE_DAYS climbs from the region's contact to all of head office.
ACTION_DUE_SOON_DAYS = env.int("ACTION_DUE_SOON_DAYS", default=1)
ACTION_ESCALATE_DAYS = env.int("ACTION_ESCALATE_DAYS", default=3)
IDEMPOTENCY_KEEP_HOURS = env.int("IDEMPOTENCY_KEEP_HOURS", default=48)
# A direct photo upload still unconfirmed this long after it was asked for is settled by the server: verified
# if the photo is in storage (the phone lost the line before confirming), otherwise refused as never uploaded.
UNCONFIRMED_PHOTO_HOURS = env.int("UNCONFIRMED_PHOTO_HOURS", default=24)
# A photo rejected on review asks the manager for a retake within this many hours (accepted until then even after
# LATE_CHECK_WINDOW_DAYS); past it the region's contact is told.
RETAKE_DUE_HOURS = env.int("RETAKE_DUE_HOURS", default=48)
# The longest period any answer or report covers (consistency/services/period.py applies it everywhere).
PERIOD_MAX_DAYS = env.int("PERIOD_MAX_DAYS", default=366)
# The most rows GET /api/v1/exports/results.csv streams (0: no limit); larger exports run in the background.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=500_000)
# Report runs. The system checks in reports/checks.py refuse limits that cannot work: the hard time limit
# must stay below the broker's visibility timeout, or Redis hands a render still running to a second worker.
REPORT_TIME_LIMIT = env.int("REPORT_TIME_LIMIT", default=900)  # hard, seconds: Celery kills the render
REPORT_SOFT_TIME_LIMIT = env.int("REPORT_SOFT_TIME_LIMIT", default=REPORT_TIME_LIMIT - max(1, REPORT_TIME_LIMIT // 10))
# A ``running`` claim older than this cannot belong to a live render (Celery has killed it by then): the hard
# limit plus a margin for the worker to be reaped. Such a claim is taken over.
REPORT_STALE_AFTER = env.int("REPORT_STALE_AFTER", default=REPORT_TIME_LIMIT + 30)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
REPORT_MAX_VERIFY_BYTES = env.int("REPORT_MAX_VERIFY_BYTES", default=200 * 1024 * 1024)  # largest PDF to verify
# Threads that read evidence thumbnails from storage while a compliance pack renders (S3 round trips).
REPORT_THUMBNAIL_FETCH_THREADS = env.int("REPORT_THUMBNAIL_FETCH_THREADS", default=8)
# Seconds a render pauses after its claim: 0 but in the tests that kill a worker mid-render.
REPORT_TEST_RENDER_PAUSE = 0.0
# Compliance packs are signed by the franchise (reports/signing.py): PACK_SIGNING_KEY and PACK_SIGNING_CERT are each
# a path to a PEM file or the PEM text itself (a secret in the environment); PACK_SIGNING_CHAIN optionally the
# intermediate certificates. Production refuses to start without them (reports/checks.py, PACK_SIGNING_REQUIRED);
# make run and the tests make a self-signed certificate under the var dir (manage.py make_signing_cert).
PACK_SIGNING_KEY = env.str("PACK_SIGNING_KEY", default="", multiline=True)
PACK_SIGNING_CERT = env.str("PACK_SIGNING_CERT", default="", multiline=True)
PACK_SIGNING_CHAIN = env.str("PACK_SIGNING_CHAIN", default="", multiline=True)
PACK_SIGNING_KEY_PASSWORD = env.str("PACK_SIGNING_KEY_PASSWORD", default="")
PACK_SIGNING_REQUIRED = False
PACK_SIGNING_DIR = VAR_DIR / "signing"  # where make_signing_cert writes the laptop's self-signed pair
# Who signs the packs, as readers show it; empty: the signing certificate's organisation (or common name).
FRANCHISE_NAME = env.str("FRANCHISE_NAME", default="")
# The most photo bytes one compliance pack's archive of originals may hold (an order beyond it is refused).
PACK_ARCHIVE_MAX_BYTES = env.int("PACK_ARCHIVE_MAX_BYTES", default=4 * 1024 * 1024 * 1024)
MAX_PHOTO_BYTES = env.int("MAX_PHOTO_BYTES", default=15 * 1024 * 1024)
MAX_PHOTO_PIXELS = env.int("MAX_PHOTO_PIXELS", default=40_000_000)
# A PNG cannot be decoded at reduced scale as a JPEG can: every pixel is held at once (up to 4 bytes each).
MAX_PNG_PIXELS = env.int("MAX_PNG_PIXELS", default=16_000_000)
# Nor can a HEIC: libheif decodes every pixel of its HEVC tiles into one full-size image. 25 Mpx takes the 24 Mpx
# that iPhones 15 and later shoot by default (5712 x 4284) and the 12 Mpx of earlier ones and of Android phones;
# decoding it peaks near 210 MB (bench/RESULTS-heic.md). A 48 Mpx "HEIF Max" photo is refused, saying so.
MAX_HEIC_PIXELS = env.int("MAX_HEIC_PIXELS", default=25_000_000)
# Capture checks (consistency/services/capture.py; the thresholds are measured in bench/RESULTS-capture.md).
# Too blurred: the variance of the Laplacian of the report copy (grey, 512 px long side, its weakest direction)
# below this.
PHOTO_BLUR_VARIANCE = env.float("PHOTO_BLUR_VARIANCE", default=10.0)
# Too dark: the mean luminance (0 to 255) of the report copy below this.
PHOTO_DARK_LUMINANCE = env.float("PHOTO_DARK_LUMINANCE", default=35.0)
# A capture time later than the upload by more than this (phone clocks drift) is flagged.
PHOTO_CLOCK_TOLERANCE_MINUTES = env.int("PHOTO_CLOCK_TOLERANCE_MINUTES", default=10)
# A photo whose GPS position is further than this from its site's location is flagged.
PHOTO_MAX_DISTANCE_M = env.int("PHOTO_MAX_DISTANCE_M", default=1000)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Notifications: e-mail and webhooks (notify/) -------------------------------------------------
# How mail leaves: EMAIL_PROVIDER=smtp (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS / EMAIL_USE_SSL), file (a .log file per batch sent, in EMAIL_FILE_PATH, var/mail/ by default), console,
# or a provider's API through django-anymail: postmark, mailgun, amazon_ses, sendgrid, brevo, mailjet, resend,
# sparkpost... Its settings come from ANYMAIL_<NAME> variables, e.g. ANYMAIL_POSTMARK_SERVER_TOKEN or
# ANYMAIL_MAILGUN_API_KEY + ANYMAIL_MAILGUN_SENDER_DOMAIN (the prefix is dropped: ANYMAIL = {"POSTMARK_SERVER_TOKEN": ...}).
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="smtp").strip().lower()
_EMAIL_BACKENDS = {"smtp": "django.core.mail.backends.smtp.EmailBackend",
                   "file": "django.core.mail.backends.filebased.EmailBackend",
                   "console": "django.core.mail.backends.console.EmailBackend"}
if EMAIL_PROVIDER in _EMAIL_BACKENDS:
    EMAIL_BACKEND = _EMAIL_BACKENDS[EMAIL_PROVIDER]
elif EMAIL_PROVIDER.isidentifier():
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"
else:
    raise ImproperlyConfigured(f"EMAIL_PROVIDER must be smtp, file, console or a django-anymail provider "
                               f"(postmark, mailgun, amazon_ses...), not {EMAIL_PROVIDER!r}")
ANYMAIL = {name.removeprefix("ANYMAIL_"): value for name, value in env.ENVIRON.items() if name.startswith("ANYMAIL_")}
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds: a hung SMTP server fails the attempt, not the worker
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Touchpoint <touchpoint@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where this server is reached from outside: the links in e-mail and webhook payloads are made absolute with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A notice's send is tried this many times (backoff with full jitter, from NOTIFY_RETRY_SECONDS up to
# NOTIFY_RETRY_MAX_SECONDS) before it is marked failed.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)
NOTIFY_RETRY_SECONDS = env.float("NOTIFY_RETRY_SECONDS", default=30.0)
NOTIFY_RETRY_MAX_SECONDS = env.float("NOTIFY_RETRY_MAX_SECONDS", default=240.0)
# A claim (a notice or delivery "sending", a digest being sent) older than this belongs to a dead worker and is
# taken over by the sweep (notify.requeue_unsent); a pending one this old has lost its message and is queued again.
# Kept above the longest send (EMAIL_TIMEOUT, WEBHOOK_TIMEOUT) and the longest retry wait.
NOTIFY_STALE_SECONDS = env.int("NOTIFY_STALE_SECONDS", default=300)
# The daily digest: each person's held notices, in one message, once a day at this hour (UTC).
DIGEST_HOUR_UTC = env.int("DIGEST_HOUR_UTC", default=7)
# Webhooks: attempts per delivery, with exponential backoff and full jitter (a random wait between 0 and
# min(WEBHOOK_RETRY_MAX_SECONDS, WEBHOOK_RETRY_SECONDS * 2**attempt)); each request times out after WEBHOOK_TIMEOUT.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_SECONDS = env.float("WEBHOOK_RETRY_SECONDS", default=10.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Endpoints are HTTPS; plain http:// only to this machine (127.0.0.1, ::1, localhost) and only when this is true
# (make run and the tests: a receiver on the laptop).
WEBHOOK_ALLOW_LOOPBACK_HTTP = env.bool("WEBHOOK_ALLOW_LOOPBACK_HTTP", default=False)

from backend.schedules import CELERY_BEAT_SCHEDULE  # noqa: E402,F401  (all schedules live in one file)

# The pages (pages/): after signing in, "/" takes each person to their page (pages.views.home).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
DJANGO_TABLES2_TEMPLATE = "django_tables2/semantic.html"

# --- Deployment: health, metrics, logs, Sentry, read replica (issue 19) ---------------------------
# A read replica (DATABASE_REPLICA_URL, same form as DATABASE_URL) takes the heavy reads: report renders and the
# variance engine behind the API's variance answers and the pages (backend/routers.py says which and the lag
# that comes with it). Its sessions are read-only, so a write routed there by mistake fails loudly.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**env.db_url_config(DATABASE_REPLICA_URL), "ATOMIC_REQUESTS": False,
                            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"], "TEST": {"MIRROR": "default"}}
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"],
                                       **DATABASES["replica"].get("OPTIONS", {}),
                                       "options": "-c default_transaction_read_only=on"}
DATABASE_ROUTERS = ["backend.routers.ReplicaRouter"]

# /metrics (backend/metrics.py): with METRICS_TOKEN set, only "Authorization: Bearer <token>" reads it. Without
# one it is open here (make run, tests); production.py closes it (404) unless METRICS_OPEN=true says that the
# network keeps strangers out. The queues whose depth it reports, beside Celery's default one.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_OPEN = env.bool("METRICS_OPEN", default=True)
METRICS_QUEUES = env.list("METRICS_QUEUES", default=[])
PROMETHEUS_EXPORT_MIGRATIONS = False  # django-prometheus would query the migration table at every start

# Logs: LOG_FORMAT=json (production's default) is one JSON object a line; text is for a terminal. Both carry the
# request id (backend/logs.py), in the web processes and in the Celery tasks a request queued.
from backend import logs as _logs  # noqa: E402  (also connects the Celery signals that carry the request id)
from backend import metrics as _metrics  # noqa: E402,F401  (connects the worker's metrics server)

LOG_FORMAT = env.str("LOG_FORMAT", default="text").strip().lower()
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = _logs.logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Errors to Sentry when SENTRY_DSN is set (Django and Celery integrations; no personal data sent).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    _logs.init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=SENTRY_RELEASE,
                      traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# --- Hardening (issue 19) ---
# Daily quotas per person (backend/quotas.py), counted in the database per UTC day; 0: no quota. Head office has
# none. A manager's site has ~40 criteria, a few of them with photos: a day's work is a few dozen photos.
PHOTO_QUOTA_PER_DAY = env.int("PHOTO_QUOTA_PER_DAY", default=300)
REPORT_ORDER_QUOTA_PER_DAY = env.int("REPORT_ORDER_QUOTA_PER_DAY", default=30)
# A web request's SQL statements are cut after this many milliseconds (backend/timeouts.py; 0: none), and answered
# 503. Set per connection by the web process only (backend/wsgi.py): workers and commands keep no limit.
REQUEST_STATEMENT_TIMEOUT_MS = env.int("REQUEST_STATEMENT_TIMEOUT_MS", default=15_000)
# A page session idle longer than this is ended (backend/middleware.py, IdleSessionTimeout); 0: never. API tokens
# have their own idle limit (TOKEN_IDLE_DAYS).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)

# --- fault drills (issue 19) ---
# A connection kept between requests (CONN_MAX_AGE) is checked (one SELECT 1) before a request reuses it: after
# PostgreSQL restarts or fails over, every process's kept connection is dead, and without the check each one's next
# request fails with a 500 (tests/drills/test_postgres_restart.py: two of two after an idle restart; none with it).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if "replica" in DATABASES:  # a replica's kept connections die with a failover just the same
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_HEALTH_CHECKS"]
