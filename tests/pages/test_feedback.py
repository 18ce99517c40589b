"""/app/feedback/ with Django's test client: head office only, a nav entry, an upload shows counts and the bad
rows (the first 200 and a count of the rest), a file refused whole says why, the size limit, CSRF, a resent form
imports nothing twice."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from customer.models import FeedbackDay, FeedbackResponse
from pages.views import feedback as feedback_view

pytestmark = pytest.mark.django_db

DAY = (dt.date.today() - dt.timedelta(days=3)).isoformat()


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def upload(client, content: bytes, *, name="export.csv", key=None, dry_run=False):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "idempotency_key": key or str(uuid.uuid4())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/app/feedback/", data)


def csv(*lines: str) -> bytes:
    return ("site,date,score,scale,response_id\n" + "\n".join(lines) + "\n").encode()


def text(answer) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.content.decode())))


def test_the_page_is_head_offices(network):
    assert Client().get("/app/feedback/").status_code == 302
    for user in (network.manager_a, network.auditor, network.shopper, network.accountant):
        assert signed_in(user).get("/app/feedback/").status_code == 403, user
    answer = signed_in(network.head_office).get("/app/feedback/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'href="/app/feedback/" aria-current="page">Feedback<' in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert "Up to 3 MB, imported while you wait" in html


def test_only_head_office_has_the_nav_entry(network):
    for user in (network.manager_a, network.auditor):
        assert 'href="/app/feedback/"' not in signed_in(user).get("/app/standard/").content.decode()


def test_an_upload_shows_its_counts_and_every_bad_row_by_line(network):
    answer = upload(signed_in(network.head_office),
                    csv(f"A1,{DAY},9,0-10,r-1", f"ZZ9,{DAY},9,0-10,", f"A1,{DAY},6,1-5,", f"A2,{DAY},4,1-5,r-2"))
    assert answer.status_code == 200
    page = text(answer)
    assert "Imported export.csv" in page
    assert "4 rows read" in page and "2 imported" in page and "2 refused" in page
    assert "line 3: site: no site 'ZZ9'." in page
    assert "line 4: score: 6 is outside the scale 1-5 (1 to 5)." in page
    assert FeedbackResponse.objects.count() == 2 and FeedbackDay.objects.count() == 2


def test_the_first_200_bad_rows_are_shown_and_the_rest_counted(network):
    answer = upload(signed_in(network.head_office), csv(*[f"ZZ{i},{DAY},9,0-10," for i in range(250)]))
    page = text(answer)
    assert "250 refused" in page and page.count("no site 'ZZ") == 200
    assert "line 201: site: no site 'ZZ199'." in page and "ZZ200" not in page
    assert "50 more refused rows not shown here" in page


def test_a_file_without_a_required_column_is_refused_naming_it(network):
    answer = upload(signed_in(network.head_office), b"site,date,score\nA1,2026-12-01,9\n")
    assert answer.status_code == 400
    assert "the header has no scale column" in text(answer)
    assert not FeedbackResponse.objects.exists()


def test_a_dry_run_stores_nothing(network):
    answer = upload(signed_in(network.head_office), csv(f"A1,{DAY},9,0-10,"), dry_run=True)
    assert "Checked export.csv" in text(answer) and "would be imported (nothing was stored)" in text(answer)
    assert not FeedbackResponse.objects.exists()


def test_a_resent_form_imports_nothing_twice(network):
    client = signed_in(network.head_office)
    content = csv(f"A1,{DAY},9,0-10,", f"A1,{DAY},8,0-10,")
    key = str(uuid.uuid4())
    first, again = upload(client, content, key=key), upload(client, content, key=key)
    assert first.status_code == again.status_code == 200
    assert "already sent with this form" in text(again) and "2 imported" in text(again)
    assert FeedbackResponse.objects.count() == 2
    other = upload(client, csv(f"A2,{DAY},9,0-10,"), key=key)
    assert other.status_code == 422 and "already used for another file" in text(other)


def test_a_file_over_the_limit_is_refused_with_a_clear_message(network, monkeypatch):
    monkeypatch.setattr(feedback_view, "MAX_UPLOAD_BYTES", 1000)
    answer = upload(signed_in(network.head_office), csv(*[f"A1,{DAY},9,0-10,r-{i}" for i in range(100)]))
    assert answer.status_code == 413
    assert "this page imports files of up to 3 MB" in text(answer) and "manage.py import_feedback" in text(answer)
    assert not FeedbackResponse.objects.exists()


def test_a_body_declared_over_the_limit_is_refused_unread(network):
    answer = signed_in(network.head_office).post("/app/feedback/", b"", content_type="multipart/form-data; boundary=x",
                                                 CONTENT_LENGTH=str(100 * 1024 * 1024))
    assert answer.status_code == 413 and "the file is 100.0 MB" in text(answer)


def test_an_upload_needs_the_csrf_token(network):
    client = signed_in(network.head_office, enforce_csrf_checks=True)
    assert upload(client, csv(f"A1,{DAY},9,0-10,")).status_code == 403
    assert not FeedbackResponse.objects.exists()


def test_no_file_is_a_named_error(network):
    answer = signed_in(network.head_office).post("/app/feedback/", {"idempotency_key": str(uuid.uuid4())})
    assert answer.status_code == 400 and "file: choose the CSV file to import." in text(answer)


def test_a_few_megabytes_are_imported_while_the_person_waits(network):
    """An export over Django's in-memory limit (2.5 MB) arrives as a temporary file: read as a stream too."""
    lines = [f"{('A1', 'A2', 'B1')[i % 3]},{DAY},{i % 11},0-10,resp-{i:07d}-{'x' * 20}" for i in range(50_000)]
    content = csv(*lines)
    assert 2.5 * 1024 * 1024 < len(content) <= feedback_view.MAX_UPLOAD_BYTES
    answer = upload(signed_in(network.head_office), content)
    assert answer.status_code == 200
    assert "50,000 imported" in text(answer)
    assert FeedbackResponse.objects.count() == 50_000
