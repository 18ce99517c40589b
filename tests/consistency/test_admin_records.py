"""The admin shows checks, results, photos and actions and changes none of them: they are the record auditors
rely on, and they change only through the API, which judges, keeps history and re-scores."""

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
