"""Settings: PostgreSQL only (the embedded server by default), production refuses to start without a secret
or a database and passes `check --deploy`."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_KEY = "x" * 20 + "-Rk3@93jf9sd0!fkQ02d9s0d9" * 2


def run(args, **env):
    full = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    full.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _signing() -> dict[str, str]:
    from reports.certificates import make_certificate

    key, cert = make_certificate("Settings Test Franchise")
    return {"PACK_SIGNING_KEY": key.decode(), "PACK_SIGNING_CERT": cert.decode()}


def test_production_passes_the_deploy_check():
    result = run(["check", "--deploy", "--fail-level", "WARNING"],
                 DJANGO_SETTINGS_MODULE="backend.settings.production", SECRET_KEY=PRODUCTION_KEY,
                 ALLOWED_HOSTS="touchpoint.example.com", CACHE_URL="redis://127.0.0.1:6379/1",
                 DATABASE_URL="postgres://touchpoint@db.example:5432/touchpoint", TRUSTED_PROXIES="1", **_signing())
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_warns_when_every_client_would_share_the_proxy_s_address():
    result = run(["check", "--deploy", "--fail-level", "WARNING"],
                 DJANGO_SETTINGS_MODULE="backend.settings.production", SECRET_KEY=PRODUCTION_KEY,
                 ALLOWED_HOSTS="touchpoint.example.com", CACHE_URL="redis://127.0.0.1:6379/1",
                 DATABASE_URL="postgres://touchpoint@db.example:5432/touchpoint", TRUSTED_PROXIES="0", **_signing())
    assert result.returncode != 0
    assert "sites.W002" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.production", SECRET_KEY=PRODUCTION_KEY)
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr


@pytest.mark.parametrize("url", ["sqlite:///var/touchpoint.sqlite3", "mysql://root@127.0.0.1:3306/touchpoint"])
def test_any_database_but_postgresql_is_refused(url):
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.local", DATABASE_URL=url)
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr
    assert f"not {url.split(':')[0]}://" in result.stderr


def test_without_a_database_url_it_is_the_embedded_postgresql_in_var(tmp_path):
    code = ("from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['ENGINE'], d['NAME'], d['OPTIONS']['host'])")
    result = run(["shell", "-c", code], DJANGO_SETTINGS_MODULE="backend.settings.local",
                 TOUCHPOINT_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["django.db.backends.postgresql", "touchpoint", str(tmp_path / "postgres")]


def test_ci_refuses_the_embedded_postgresql(tmp_path):
    result = run(["check"], DJANGO_SETTINGS_MODULE="backend.settings.test", CI="true", TOUCHPOINT_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "CI=true: DATABASE_URL must point at the system PostgreSQL" in result.stderr


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
