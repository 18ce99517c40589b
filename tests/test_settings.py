"""Production settings refuse to start without a secret and pass `check --deploy`."""

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
                 ALLOWED_HOSTS="touchpoint.example.com")
    assert result.returncode == 0, result.stderr


def test_storage_backend_is_validated():
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.local", STORAGE_BACKEND="ftp")
    assert result.returncode != 0
    assert "STORAGE_BACKEND must be 'local' or 's3'" in result.stderr
