"""A report's download link is the one signed-link scheme photos use (consistency.storage): it names the user
it was made for and is checked again when opened, on local disk and on S3 alike.
Personas: manager_a (A1), manager_b (B1), head_office, auditor (region-a), auditor_b1 (B1)."""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.request

import pytest
from django.core import signing

from reports import runner
from reports.services import report_download, report_order
from sites.models import Profile

URL = "/api/v1/reports/"


@pytest.fixture(params=["s3", "local"])
def storage_kind(request, settings, tmp_path):
    """Each test on the S3 endpoint (moto) and on local disk."""
    if request.param == "local":
        settings.STORAGE_BACKEND = "local"
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    elif settings.STORAGE_BACKEND != "s3":
        pytest.skip("no S3 endpoint configured (CI=true runs moto's)")
    return request.param


@pytest.fixture
def pack(history, network, storage_kind):
    run = report_order(user=network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), sites=["A1"])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    return run


def link_for(api, user, run) -> str:
    response = api(user).get(f"{URL}{run.public_id}/download/")
    assert response.status_code == 200, response.json()
    return response.json()["url"]


def open_link(api, url: str):
    """As a browser tab would: no token, no session."""
    return api(None).get(url)


def pdf_behind(response) -> bytes:
    if response.status_code == 302:  # S3: a presigned GET of seconds
        assert response["Cache-Control"] == "no-store"
        with urllib.request.urlopen(response["Location"], timeout=10) as fh:
            return fh.read()
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["manager_a", "auditor", "head_office"])
def test_the_owner_s_link_opens_the_pdf(api, network, pack, who):
    url = link_for(api, getattr(network, who), pack)
    assert re.fullmatch(r"http://testserver/api/v1/reports/files/[^/]+/", url)  # the API's link on any storage
    response = open_link(api, url)
    pdf = pdf_behind(response)
    assert pdf.startswith(b"%PDF") and len(pdf) == pack.pdf_size
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith('attachment; filename="touchpoint-compliance-pack-A1-')
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["manager_b", "auditor_b1"])
def test_a_link_made_out_for_another_user_who_may_not_read_the_sites_is_refused(api, network, pack, who):
    # They get no link from the API (404), and even one made out for them (a bug, a link passed on and
    # re-signed) opens nothing: the user it names is checked again when it is opened.
    assert api(getattr(network, who)).get(f"{URL}{pack.public_id}/download/").status_code == 404
    theirs = report_download(run=pack, user=getattr(network, who))["url"]
    response = open_link(api, theirs)
    assert response.status_code == 404 and response.json()["field"] == "token"
    assert b"%PDF" not in response.content


@pytest.mark.parametrize("who", ["manager_b", "auditor", "manager_a"])
def test_a_link_opened_by_another_signed_in_user_is_refused(api, network, pack, who):
    # Head office's link, opened by someone signed in as another user (a token, or a session in a browser):
    # refused whether or not that user may read the report's sites; they ask for a link of their own.
    url = link_for(api, network.head_office, pack)
    response = api(getattr(network, who)).get(url)
    assert response.status_code == 403, response
    assert (response.json()["code"], response.json()["field"]) == ("link_of_another_user", "token")
    assert "made for another user" in response.json()["message"]
    # The user it was made for, signed in or not, opens it.
    assert pdf_behind(api(network.head_office).get(url)).startswith(b"%PDF")
    assert pdf_behind(open_link(api, url)).startswith(b"%PDF")


def test_a_link_does_not_outlive_its_user_s_access(api, network, pack):
    url = link_for(api, network.manager_a, pack)
    assert pdf_behind(open_link(api, url)).startswith(b"%PDF")
    Profile.objects.get(user=network.manager_a).sites.clear()  # moved off site A1
    response = open_link(api, url)
    assert response.status_code == 404 and response.json()["field"] == "token"


def test_an_expired_link_is_refused_saying_how_to_get_a_fresh_one(api, network, pack, settings):
    url = link_for(api, network.manager_a, pack)
    settings.AWS_QUERYSTRING_EXPIRE = 0
    time.sleep(1.1)
    response = open_link(api, url)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "link_expired" and body["field"] == "token"
    assert "ask for the report's download again" in body["message"]


def test_an_altered_or_foreign_token_is_no_report_link(api, network, pack):
    url = link_for(api, network.manager_a, pack)
    token = url.rstrip("/").rsplit("/", 1)[1]
    for attempt in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "..%2F..%2Fsettings.py"):
        assert open_link(api, f"{URL}files/{attempt}/").status_code == 404, attempt
    # Signed as a photo link (another salt) for a user who reads the site: not a report link.
    photo = signing.dumps([str(pack.public_id), network.manager_a.pk], salt="consistency.evidence.file",
                          compress=True)
    assert open_link(api, f"{URL}files/{photo}/").status_code == 404
    # The old scheme's token (the run's id alone, no user) opens nothing any more.
    old = signing.TimestampSigner(salt="reports.download").sign(str(pack.public_id))
    assert open_link(api, f"{URL}files/{old}/").status_code == 404
