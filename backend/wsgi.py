import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
application = get_wsgi_application()

# The web process only: a request's SQL is cut at REQUEST_STATEMENT_TIMEOUT_MS (workers and commands keep none).
from backend.timeouts import limit_web_statements  # noqa: E402  (after the settings are loaded)

limit_web_statements()
