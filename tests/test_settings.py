"""Production settings refuse to start without a secret and pass `check --deploy`."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env):
    full = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    full.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_the_deploy_check():
    result = run(["check", "--deploy", "--fail-level", "WARNING"],
                 DJANGO_SETTINGS_MODULE="backend.settings.production", SECRET_KEY="x" * 20 + "-Rk3@93jf9sd0!fkQ02d9s0d9" * 2,
                 ALLOWED_HOSTS="touchpoint.example.com", CACHE_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stderr


def test_storage_backend_is_validated():
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.local", STORAGE_BACKEND="ftp")
    assert result.returncode != 0
    assert "STORAGE_BACKEND must be 'local' or 's3'" in result.stderr


def _pg_options(**env) -> dict:
    code = "from django.conf import settings; print(repr(settings.DATABASES['default']['OPTIONS']))"
    result = run(["shell", "-c", code], DJANGO_SETTINGS_MODULE="backend.settings.local",
                 DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres", **env)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


def test_postgresql_prepares_hot_statements_and_can_be_told_not_to():
    assert _pg_options() == {"server_side_binding": True, "prepare_threshold": 5}
    assert _pg_options(DATABASE_PREPARE_THRESHOLD="off")["prepare_threshold"] is None
    assert _pg_options(DATABASE_SERVER_SIDE_BINDING="false")["server_side_binding"] is False
