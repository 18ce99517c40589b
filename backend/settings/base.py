"""Settings shared by every environment.

The environment is read here, once. Each integration switches by one variable:
DATABASE_URL (SQLite by default), CELERY_BROKER_URL (an embedded filesystem broker by default),
STORAGE_BACKEND (``local`` files by default, or ``s3`` for AWS S3 / MinIO / any S3 endpoint).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Where the embedded defaults keep their state (SQLite file, photos, PDFs, the filesystem broker).
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
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sites",
    "consistency",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.middleware.CompressApiReads",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'touchpoint.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write a report run while the server reads; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
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

LANGUAGE_CODE = "en-us"
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

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sites.authentication.TokenAuthentication",
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
        "ActionStatusEnum": "consistency.models.checks.ActionStatus",
        "ReportStatusEnum": "reports.models.RunStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "CriterionKindEnum": "consistency.models.standard.Kind",
    },
}

# --- Touchpoint ---------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")
LATE_CHECK_WINDOW_DAYS = env.int("LATE_CHECK_WINDOW_DAYS", default=7)
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=256 * 1024)
CORRECTIVE_ACTION_DUE_DAYS = env.int("CORRECTIVE_ACTION_DUE_DAYS", default=3)
IDEMPOTENCY_KEEP_HOURS = env.int("IDEMPOTENCY_KEEP_HOURS", default=48)
# A direct photo upload still unconfirmed this long after it was asked for is settled by the server: verified
# if the photo is in storage (the phone lost the line before confirming), otherwise refused as never uploaded.
UNCONFIRMED_PHOTO_HOURS = env.int("UNCONFIRMED_PHOTO_HOURS", default=24)
# The longest period any answer or report covers (consistency/services/period.py applies it everywhere).
PERIOD_MAX_DAYS = env.int("PERIOD_MAX_DAYS", default=366)
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
MAX_PHOTO_BYTES = env.int("MAX_PHOTO_BYTES", default=15 * 1024 * 1024)
MAX_PHOTO_PIXELS = env.int("MAX_PHOTO_PIXELS", default=40_000_000)
# A PNG cannot be decoded at reduced scale as a JPEG can: every pixel is held at once (up to 4 bytes each).
MAX_PNG_PIXELS = env.int("MAX_PNG_PIXELS", default=16_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

from backend.schedules import CELERY_BEAT_SCHEDULE  # noqa: E402,F401  (all schedules live in one file)
