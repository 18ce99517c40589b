"""Settings for the submission benchmark: production settings, plus a URLconf with a baseline view."""

from backend.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
