"""Signed packs: a compliance pack issued for A1 on one day with two photos uploaded through the API (their
originals in storage), rendered in-process by the runner the worker runs; another franchise's key; and the
offline verifier run as a separate process without Django."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from reports import runner, signing
from reports.certificates import make_certificate
from reports.models import ReportRun
from reports.services import report_order

from ..conftest import client_for
from ..consistency.conftest import local_storage, window_reaches_the_photo_test_day  # noqa: F401  (fixtures)
from ..consistency.evidence_factories import make_check, multipart, photo
from ..worker import report_queue, start_worker, wait_for  # noqa: F401  (fixtures and helpers)

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 3, 10)


@dataclass
class Issued:
    run: ReportRun
    pdf: bytes
    archive: bytes | None
    check: object
    photos: list[str]  # evidence public ids


def read(key: str) -> bytes:
    with default_storage.open(key, "rb") as fh:
        return fh.read()


def issue(user, *, day: dt.date = DAY, with_photos: bool = True) -> ReportRun:
    """Order A1's pack for ``day`` as ``user`` and render it in this process, as the worker would."""
    run = report_order(user=user, kind="compliance_pack", date_from=day, date_to=day, sites=["A1"],
                       with_photos=with_photos)
    assert runner.run_report(run_id=run.id, worker="test") == "done", ReportRun.objects.get(pk=run.id).error
    return ReportRun.objects.get(pk=run.id)


def upload(check, user, *, seed: int, criterion: str) -> str:
    response = client_for(user).post(f"/api/v1/checks/{check.pk}/evidence/",
                                     multipart(photo(seed=seed), criterion=criterion), format="multipart")
    assert response.status_code in (200, 201), response.json()
    return response.json()["id"]


@pytest.fixture
def issued(network, standard, window_reaches_the_photo_test_day, local_storage) -> Issued:  # noqa: F811
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    photos = [upload(check, network.manager_a, seed=1, criterion="restroom_clean"),
              upload(check, network.manager_a, seed=2, criterion="phone_greeting")]
    run = issue(network.auditor)
    return Issued(run, read(run.pdf_key), read(run.archive_key) if run.archive_key else None, check, photos)


@pytest.fixture
def our_cert() -> Path:
    """The franchise's public certificate, as a verifier is handed it (the test settings' self-signed one)."""
    return Path(settings.PACK_SIGNING_CERT)


@pytest.fixture(scope="session")
def stranger(tmp_path_factory):
    """Another franchise: its own key and self-signed certificate (file), as credentials to sign with."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data

    key_pem, cert_pem = make_certificate("Someone Else Ltd")
    path = tmp_path_factory.mktemp("stranger") / "cert.pem"
    path.write_bytes(cert_pem)
    creds = signing.Credentials(key=load_private_key_from_pemder_data(key_pem, None),
                                cert=next(iter(load_certs_from_pemder_data(cert_pem))), chain=(),
                                name="Someone Else Ltd")
    return creds, path


# The verifier run the way a court's expert would: its own process, no Django settings, no database in reach.
# It fails if anything imported Django on the way.
_OFFLINE = """
import runpy, sys
sys.argv = ["verify_pack", *sys.argv[1:]]
try:
    runpy.run_module("reports.verify_pack", run_name="__main__")
except SystemExit as exit:
    if "django" in sys.modules:
        print("DJANGO WAS IMPORTED", file=sys.stderr)
        sys.exit(99)
    raise
"""


def offline(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO", "DATABASE", "CELERY", "S3_", "PACK_SIGNING", "STORAGE"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", _OFFLINE, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
