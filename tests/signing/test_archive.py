"""The photo archive: ordered with the pack (head office and auditors), a ZIP of the originals with a signed
SHA-256 manifest that verify_pack checks offline; a replaced photo or an edited manifest fails. Its download
follows the pack's: who may read the pack and have originals gets it; everyone else a 403 or 404."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from consistency.models import Evidence
from reports.models import ReportRun
from reports.verify_pack import MANIFEST, MANIFEST_SIGNATURE

from ..conftest import client_for
from .conftest import DAY, offline

pytestmark = pytest.mark.django_db


def _rezip(archive: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, replace.get(name, src.read(name)))
        for name, data in replace.items():
            if name not in src.namelist():
                dst.writestr(name, data)
    return out.getvalue()


def test_the_archive_holds_the_originals_and_a_signed_manifest(issued, our_cert, tmp_path):
    run = issued.run
    assert run.with_photos and run.archive_key and run.archive_size == len(issued.archive)
    with zipfile.ZipFile(io.BytesIO(issued.archive)) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        assert MANIFEST_SIGNATURE in zf.namelist()
        assert manifest["run"] == str(run.public_id) and manifest["site"] == "A1"
        assert manifest["pack"]["sha256"] == run.pdf_sha256  # the archive names its signed pack
        assert sorted(p["evidence"] for p in manifest["photos"]) == sorted(issued.photos)
        for entry in manifest["photos"]:
            original = Evidence.objects.get(public_id=entry["evidence"])
            assert entry["sha256"] == original.sha256 and entry["size"] == original.size
            assert entry["day"] == DAY.isoformat() and entry["site"] == "A1"
            assert entry["criterion"] in ("restroom_clean", "phone_greeting")
            assert zf.read(entry["file"])[:2] == b"\xff\xd8"  # the JPEG itself
    pdf, archive = tmp_path / "pack.pdf", tmp_path / "photos.zip"
    pdf.write_bytes(issued.pdf)
    archive.write_bytes(issued.archive)
    done = offline(pdf, "--archive", archive, "--cert", our_cert)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Photo archive: VALID" in done.stdout and "2 photos" in done.stdout
    # The archive alone verifies too; with another pack's PDF it does not.
    assert offline("--archive", archive, "--cert", our_cert).returncode == 0


def test_a_photo_replaced_in_the_zip_fails(issued, our_cert, tmp_path):
    with zipfile.ZipFile(io.BytesIO(issued.archive)) as zf:
        entry = json.loads(zf.read(MANIFEST))["photos"][0]
        original = zf.read(entry["file"])
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    for label, archive in (("one byte", _rezip(issued.archive, {entry["file"]: bytes(changed)})),
                           ("extra file", _rezip(issued.archive, {"photos/extra.jpg": original}))):
        path = tmp_path / f"{label}.zip"
        path.write_bytes(archive)
        done = offline("--archive", path, "--cert", our_cert)
        assert done.returncode == 1, (label, done.stdout)
        assert "Photo archive: NOT VALID" in done.stdout


def test_an_edited_manifest_or_another_signer_fails(issued, our_cert, stranger, tmp_path):
    from reports import signing

    with zipfile.ZipFile(io.BytesIO(issued.archive)) as zf:
        manifest = zf.read(MANIFEST)
    edited = manifest.replace(b'"site": "A1"', b'"site": "B1"', 1)
    assert edited != manifest
    resigned = _rezip(issued.archive, {MANIFEST: edited, MANIFEST_SIGNATURE: signing.sign_detached(
        edited, creds=stranger[0])})
    for label, archive in (("edited", _rezip(issued.archive, {MANIFEST: edited})), ("re-signed", resigned)):
        path = tmp_path / f"{label}.zip"
        path.write_bytes(archive)
        done = offline("--archive", path, "--cert", our_cert)
        assert done.returncode == 1, (label, done.stdout)
    # With the wrong pack next to it.
    other_pdf = tmp_path / "other.pdf"
    other_pdf.write_bytes(issued.pdf + b"\n")
    archive = tmp_path / "photos.zip"
    archive.write_bytes(issued.archive)
    done = offline(other_pdf, "--archive", archive, "--cert", our_cert)
    assert done.returncode == 1 and "not this one" in done.stdout


def test_the_order_option_is_for_packs_and_for_head_office_and_auditors(network, standard):
    body = {"kind": "compliance_pack", "from": "2026-03-10", "to": "2026-03-10", "sites": ["A1"], "with_photos": True}
    for user in (network.manager_a, network.accountant):
        response = client_for(user).post("/api/v1/reports/", body, format="json")
        assert response.status_code == 403, response.json()
        assert "with_photos" in response.content.decode()
    response = client_for(network.head_office).post(
        "/api/v1/reports/", {**body, "kind": "variance", "sites": ["A1", "A2"]}, format="json")
    assert response.status_code in (400, 422) and "with_photos" in response.content.decode()
    assert not ReportRun.objects.exists()  # nothing half-saved
    response = client_for(network.auditor).post("/api/v1/reports/", body, format="json")
    assert response.status_code == 202 and response.json()["with_photos"] is True


# Who may download a pack's archive: who may read the pack and have originals. (role, expected status)
ROLES = [("head_office", 200), ("auditor", 200), ("auditor_b1", 404), ("manager_a", 403), ("accountant", 403),
         ("manager_b", 404), ("shopper", 404)]


@pytest.mark.parametrize(("role", "expected"), ROLES)
def test_the_archive_download_by_role(issued, network, role, expected):
    client = client_for(getattr(network, role))
    response = client.get(f"/api/v1/reports/{issued.run.public_id}/photos/")
    assert response.status_code == expected, response.content
    if expected != 200:
        return
    link = response.json()
    assert link["sha256"] == issued.run.archive_sha256 and link["filename"].endswith("-photos.zip")
    opened = client.get(link["url"])
    body = b"".join(opened.streaming_content) if opened.streaming else opened.content
    assert opened.status_code == 200 and body == issued.archive
    # The link is its user's: another signed-in person may not open it.
    assert client_for(network.manager_a).get(link["url"]).status_code in (403, 404)


def test_the_archive_download_without_a_login_or_archive(issued, network):
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/reports/{issued.run.public_id}/photos/").status_code in (401, 403)
    plain = issue_without_photos(network)
    response = client_for(network.head_office).get(f"/api/v1/reports/{plain.public_id}/photos/")
    assert response.status_code == 404 and "without its photos" in response.content.decode()
    listed = client_for(network.auditor).get(f"/api/v1/reports/{issued.run.public_id}/").json()
    assert listed["links"]["photos"] == f"/api/v1/reports/{issued.run.public_id}/photos/"
    assert listed["archive_sha256"] == issued.run.archive_sha256


def issue_without_photos(network):
    from .conftest import issue

    return issue(network.auditor, with_photos=False)
