"""A pack rendered by a real Celery worker (on the test broker, database and S3) is signed by the franchise: pyHanko
validates it against the public certificate, poppler's pdfsig (any PDF reader) lists a valid signature, the
server's verify endpoint reports it, and its photo archive verifies offline."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from consistency.models import DailyCheck
from reports.models import ReportRun
from reports.verify_pack import verify_pdf

from ..conftest import client_for
from ..consistency.evidence_factories import make_check
from ..worker import wait_for
from .conftest import DAY, offline, read, upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_issues_a_signed_pack_and_archive(start_worker, network, standard, settings, tmp_path, our_cert):
    from reports import signing

    settings.LATE_CHECK_WINDOW_DAYS = 4000  # the photo's day (2026-03-10) still takes photos
    check: DailyCheck = make_check(network.a1, standard, network.manager_a, date=DAY)
    photos = [upload(check, network.manager_a, seed=s, criterion=c)
              for s, c in ((11, "restroom_clean"), (12, "phone_greeting"))]
    start_worker("signing")
    auditor = client_for(network.auditor)
    response = auditor.post("/api/v1/reports/", {"kind": "compliance_pack", "from": DAY.isoformat(),
                                                 "to": DAY.isoformat(), "sites": ["A1"], "with_photos": True},
                            format="json")
    assert response.status_code == 202, response.json()
    run = wait_for(lambda: (r := ReportRun.objects.get(public_id=response.json()["id"])).status in ("done", "failed")
                   and r, timeout=120, message="the worker did not finish the pack")
    assert run.status == "done", run.error
    pdf = read(run.pdf_key)
    verdict = verify_pdf(pdf, [signing.credentials().cert])
    assert verdict.valid, verdict.problems
    assert verdict.signed_by == "Organization: Touchpoint Test Franchise, Common Name: Touchpoint Test Franchise"

    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdfsig") is None:
        assert not settings.CI, "pdfsig (poppler-utils) is missing; scripts/test.sh installs it"
    else:
        shown = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
        assert "Signature Validation: Signature is Valid." in shown.stdout, shown.stdout + shown.stderr
        assert "Signer Certificate Common Name: Touchpoint Test Franchise" in shown.stdout
        assert "Total document signed" in shown.stdout
        (tmp_path / "pdfsig.txt").write_text(shown.stdout)

    # The server's verify endpoint: the hash lookup as before, and the embedded signature's verdict.
    with path.open("rb") as fh:
        answer = client_for(network.manager_a).post("/api/v1/reports/verify/", {"file": fh}, format="multipart").json()
    assert answer["verified"] is True and answer["report"]["id"] == str(run.public_id)
    assert answer["signature"]["valid"] is True and answer["signature"]["covers_whole_file"] is True
    changed = bytearray(pdf)
    changed[len(pdf) // 3] ^= 0x01
    with (tmp_path / "changed.pdf").open("wb") as fh:
        fh.write(changed)
    with (tmp_path / "changed.pdf").open("rb") as fh:
        answer = client_for(network.manager_a).post("/api/v1/reports/verify/", {"file": fh}, format="multipart").json()
    assert answer["verified"] is False and answer["signature"]["valid"] is False

    archive = tmp_path / "photos.zip"
    archive.write_bytes(read(run.archive_key))
    done = offline(path, "--archive", archive, "--cert", our_cert)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pack: VALID" in done.stdout and "Photo archive: VALID" in done.stdout
    assert "2 photos" in done.stdout and len(photos) == 2
    assert settings.PACK_SIGNING_CERT  # the worker signed with the test settings' certificate, as this process reads
