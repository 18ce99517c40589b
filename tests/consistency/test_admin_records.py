"""The admin shows checks, results, photos and actions and changes none of them: they are the record auditors
rely on, and they change only through the API, which judges, keeps history and re-scores."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from consistency.models import CheckResult, CorrectiveAction, DailyCheck, Evidence
from tests.conftest import client_for

from .checks_support import check_body, submit
from .evidence_factories import multipart, photo

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_record_and_changes_none_of_it(network, standard):
    manager = client_for(network.manager_a)
    check = submit(manager, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    uploaded = manager.post(f"/api/v1/checks/{check['id']}/evidence/", multipart(photo(seed=301), criterion="restroom_clean"),
                            format="multipart")
    assert uploaded.status_code == 201
    assert CheckResult.objects.get(daily_check_id=check["id"], criterion__key="restroom_clean").passed
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))

    for model in (DailyCheck, CheckResult, Evidence, CorrectiveAction):
        obj = model.objects.first()
        base = f"/admin/consistency/{model._meta.model_name}"
        assert browser.get(f"{base}/").status_code == 200
        assert browser.get(f"{base}/{obj.pk}/change/").status_code == 200  # shown, read-only
        assert browser.get(f"{base}/add/").status_code == 403
        assert browser.post(f"{base}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()
    # The photo deleted there had left its criterion passed without it.
    assert CheckResult.objects.get(daily_check_id=check["id"], criterion__key="restroom_clean").passed


@pytest.fixture
def head_office_browser():
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return browser


def test_a_checks_page_shows_its_results_and_photos_in_the_sites_time(network, standard, head_office_browser):
    manager = client_for(network.manager_a)
    check = submit(manager, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    uploaded = manager.post(f"/api/v1/checks/{check['id']}/evidence/",
                            multipart(photo(seed=302), criterion="restroom_clean"), format="multipart").json()
    page = head_office_browser.get(f"/admin/consistency/dailycheck/{check['id']}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    # Its results: what was asked, the value, how it was judged.
    for result in CheckResult.objects.filter(daily_check_id=check["id"]).select_related("criterion"):
        assert result.criterion.prompt in html
    assert 'id="results-group"' in html
    # Its photos, through the signed links made for the reader (local disk: the API's own file links).
    assert "Photos (1)" in html
    evidence = Evidence.objects.get(public_id=uploaded["id"])
    assert f"/admin/consistency/evidence/{evidence.pk}/change/" in html
    thumb = re.search(r'<img src="([^"]+)" alt="Photo for restroom_clean"', html).group(1)
    # Every link is the API's own, checked against the reader's access when opened: local disk serves the
    # file, S3 answers with a redirect to a presigned GET of seconds for the thumbnail's key.
    assert thumb.startswith("/api/v1/evidence/files/")
    opened = head_office_browser.get(thumb)
    if opened.status_code == 302:
        assert "Signature" in opened["Location"] and evidence.thumbnail_key in opened["Location"]
    else:
        assert opened.status_code == 200
    # Times in the site's zone, named: A1 is in Auckland.
    received = DailyCheck.objects.get(pk=check["id"]).received_at.astimezone(network.a1.tz)
    assert f"{received:%Y-%m-%d %H:%M %Z}, {network.a1.timezone}" in html


def test_the_photo_list_is_searched_and_filtered_by_site(network, standard, head_office_browser):
    manager_a, manager_b = client_for(network.manager_a), client_for(network.manager_b)
    check_a = submit(manager_a, "A1", check_body(network.a1)).json()
    check_b = submit(manager_b, "B1", check_body(network.b1)).json()
    data_a, data_b = photo(seed=303), photo(seed=304)
    for client, check, data in ((manager_a, check_a, data_a), (manager_b, check_b, data_b)):
        assert client.post(f"/api/v1/checks/{check['id']}/evidence/", multipart(data, criterion="restroom_clean"),
                           format="multipart").status_code == 201
    a, b = Evidence.objects.get(site=network.a1), Evidence.objects.get(site=network.b1)

    def listed(query: str) -> set[str]:
        html = head_office_browser.get(f"/admin/consistency/evidence/?{query}").content.decode()
        return {str(e.public_id) for e in (a, b) if str(e.public_id) in html}

    assert listed("q=B1") == {str(b.public_id)}  # site code
    assert listed(f"q={a.sha256}") == {str(a.public_id)}  # SHA-256
    assert listed("q=restroom_clean") == {str(a.public_id), str(b.public_id)}  # criterion key
    assert listed(f"site__id__exact={network.a1.pk}") == {str(a.public_id)}
    # The capture time, where the photo has one, and every time on the photo's page, in the site's zone.
    page = head_office_browser.get(f"/admin/consistency/evidence/{b.pk}/change/").content.decode()
    assert f"{b.created_at.astimezone(network.b1.tz):%Y-%m-%d %H:%M %Z}, {network.b1.timezone}" in page


def test_a_time_without_a_site_is_marked_utc():
    from consistency.admin import local_time

    assert local_time(dt.datetime(2026, 3, 10, 19, 5, tzinfo=dt.UTC), None) == "2026-03-10 19:05 UTC"


def test_a_standard_versions_times_are_marked_utc(standard, head_office_browser):
    # A version belongs to no site: its times are in UTC, and say so.
    page = head_office_browser.get(f"/admin/consistency/standardversion/{standard.pk}/change/").content.decode()
    assert f"{standard.published_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" in page


def test_a_results_deviation_reads_as_a_person_reads_it():
    from types import SimpleNamespace

    from consistency.admin import deviation_text

    assert deviation_text(SimpleNamespace(deviation=1 / 3)) == "0.333"
    assert deviation_text(SimpleNamespace(deviation=0.0)) == "0"
    assert deviation_text(SimpleNamespace(deviation=2.0)) == "2"
