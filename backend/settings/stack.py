"""``make stack``: production's settings, served over plain HTTP on loopback.

Everything in production.py holds (DEBUG off, SECRET_KEY and DATABASE_URL required, JSON-only API, the
same Celery and cache wiring) except what cannot work without TLS on 127.0.0.1, relaxed here and only here:
no redirect to https, no HSTS, cookies without the Secure flag (the browser would never send them back over
http://). backend/stack.py starts every process with this module and gives it the environment it needs.
"""

from .production import *  # noqa: F403
from .production import env

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.str('PORT', default='8100')}").rstrip("/")
# Static files straight from the apps' folders: collecting and compressing them takes ~30 s of CPU on a
# two-core machine at every start; production's release step (infra/Procfile) collects them once.
WHITENOISE_USE_FINDERS = True
# One queue per stack, so two stacks (or a stack and a test run) on one RabbitMQ or Redis never take each
# other's tasks; beat sends to it too, as the default queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# A webhook receiver on this machine may be plain http://127.0.0.1, as with ``make run``.
WEBHOOK_ALLOW_LOOPBACK_HTTP = env.bool("WEBHOOK_ALLOW_LOOPBACK_HTTP", default=True)
