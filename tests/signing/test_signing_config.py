"""The signing key and certificate come from configuration: production refuses to start (every check, migrate
included) without a usable pair; PEM text or a file path both work; make_signing_cert makes a pair once."""

from __future__ import annotations

import os
import subprocess
import sys

from django.core.management import call_command

from reports.certificates import make_certificate
from reports.verify_pack import load_certificates

from .conftest import ROOT

PRODUCTION = {"DJANGO_SETTINGS_MODULE": "backend.settings.production", "SECRET_KEY": "k3Q!x9-" * 9,
              "ALLOWED_HOSTS": "touchpoint.example.com", "CACHE_URL": "redis://127.0.0.1:6379/1",
              "DATABASE_URL": "postgres://touchpoint@db.example:5432/touchpoint", "TRUSTED_PROXIES": "1"}


def check(tmp_path, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PACK_SIGNING", "DJANGO", "SECRET_KEY"))}
    full.update(PRODUCTION, TOUCHPOINT_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=full, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_usable_signing_pair(tmp_path):
    missing = check(tmp_path)
    assert missing.returncode != 0 and "reports.E010" in missing.stderr
    assert "PACK_SIGNING_KEY is not set" in missing.stderr
    key, _ = make_certificate("Ours")
    _, other_cert = make_certificate("Theirs")
    mismatched = check(tmp_path, PACK_SIGNING_KEY=key.decode(), PACK_SIGNING_CERT=other_cert.decode())
    assert mismatched.returncode != 0 and "is not the key of PACK_SIGNING_CERT" in mismatched.stderr
    unreadable = check(tmp_path, PACK_SIGNING_KEY=str(tmp_path / "nope.pem"), PACK_SIGNING_CERT=other_cert.decode())
    assert unreadable.returncode != 0 and "cannot read" in unreadable.stderr


def test_production_starts_with_pem_text_or_files(tmp_path):
    key, cert = make_certificate("Ours")
    assert check(tmp_path, PACK_SIGNING_KEY=key.decode(), PACK_SIGNING_CERT=cert.decode()).returncode == 0
    (tmp_path / "k.pem").write_bytes(key)
    (tmp_path / "c.pem").write_bytes(cert)
    done = check(tmp_path, PACK_SIGNING_KEY=str(tmp_path / "k.pem"), PACK_SIGNING_CERT=str(tmp_path / "c.pem"))
    assert done.returncode == 0, done.stderr
    # A secret may carry the PEM with its newlines escaped as \n, as some secret stores do.
    escaped = check(tmp_path, PACK_SIGNING_KEY=key.decode().replace("\n", "\\n"),
                    PACK_SIGNING_CERT=cert.decode().replace("\n", "\\n"))
    assert escaped.returncode == 0, escaped.stderr


def test_make_signing_cert_makes_a_pair_once(tmp_path):
    call_command("make_signing_cert", str(tmp_path), "--name", "Kiwi Burgers Ltd")
    cert = (tmp_path / "franchise-signing-cert.pem").read_bytes()
    [parsed] = load_certificates(cert)
    assert parsed.subject.native["organization_name"] == "Kiwi Burgers Ltd"
    assert set(parsed.key_usage_value.native) == {"digital_signature", "non_repudiation"}
    assert oct((tmp_path / "franchise-signing-key.pem").stat().st_mode & 0o777) == "0o600"
    call_command("make_signing_cert", str(tmp_path), "--name", "Someone Else")
    assert (tmp_path / "franchise-signing-cert.pem").read_bytes() == cert  # kept: old packs still verify
