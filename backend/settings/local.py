"""A laptop: the embedded PostgreSQL, files on disk, the embedded filesystem broker. Nothing to configure."""

from .base import *  # noqa: F403
from .base import PACK_SIGNING_CERT, PACK_SIGNING_DIR, PACK_SIGNING_KEY, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# A fixed, obviously-local key so sessions survive restarts; production.py refuses to start without one.
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"
# Mail goes to files under var/mail/ (a .log file per batch sent; the banner of `make run` says so) unless
# EMAIL_PROVIDER says otherwise; a webhook receiver on this laptop may be plain http://127.0.0.1.
if not env.str("EMAIL_PROVIDER", default=""):
    EMAIL_PROVIDER = "file"
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
WEBHOOK_ALLOW_LOOPBACK_HTTP = env.bool("WEBHOOK_ALLOW_LOOPBACK_HTTP", default=True)
# Links in mail point at the server `make run` serves (PORT=8080 make run serves on 8080).
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.str('PORT', default='8000')}").rstrip("/")
# The franchise's signing key and certificate: a self-signed pair under var/signing/, made once by make run
# (manage.py make_signing_cert) unless PACK_SIGNING_KEY/PACK_SIGNING_CERT name real ones.
if not PACK_SIGNING_KEY and not PACK_SIGNING_CERT:
    from reports.certificates import CERT_FILE, KEY_FILE

    PACK_SIGNING_KEY, PACK_SIGNING_CERT = str(PACK_SIGNING_DIR / KEY_FILE), str(PACK_SIGNING_DIR / CERT_FILE)
