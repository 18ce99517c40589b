"""backend.settings.stack is production's settings with only the plain-HTTP-on-loopback relaxations: every other
setting is production's own, read from the same environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DUMP = """
import importlib, json
names = {}
for module in ("backend.settings.production", "backend.settings.stack"):
    m = importlib.import_module(module)
    names[module] = {k: repr(getattr(m, k)) for k in dir(m) if k.isupper()}
print(json.dumps(names))
"""

RELAXED = {
    "SECURE_SSL_REDIRECT": "False", "SECURE_HSTS_SECONDS": "0", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "False",
    "SECURE_HSTS_PRELOAD": "False", "SESSION_COOKIE_SECURE": "False", "CSRF_COOKIE_SECURE": "False",
    "SITE_URL": "'http://127.0.0.1:8123'", "WHITENOISE_USE_FINDERS": "True", "CELERY_TASK_DEFAULT_QUEUE": "'q-1'",
    "WEBHOOK_ALLOW_LOOPBACK_HTTP": "True",
}


def test_the_stack_settings_differ_from_production_only_where_plain_http_on_loopback_needs_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "WEBHOOK_ALLOW_LOOPBACK_HTTP")}
    env.update({"SECRET_KEY": "s" * 60, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "PORT": "8123",
                "CELERY_QUEUE": "q-1", "ALLOWED_HOSTS": "touchpoint.example.com", "TOUCHPOINT_VAR_DIR": str(tmp_path)})
    out = subprocess.run([sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    dumped = json.loads(out.stdout)
    production, stack = dumped["backend.settings.production"], dumped["backend.settings.stack"]
    differ = {k: stack[k] for k in stack if production.get(k) != stack[k]}
    assert differ == RELAXED
    # Production's own guards hold in the stack: a secret key from the environment, DEBUG off.
    assert stack["DEBUG"] == "False" and stack["SECRET_KEY"] == repr("s" * 60)
