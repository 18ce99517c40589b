"""Publishing a draft: the day it takes effect (by default the earliest it can), and the days it may not."""

import datetime as dt

import pytest

from consistency.models import StandardVersion
from tests.conftest import client_for
from tests.factories import small_standard_doc

from .checks_support import check_body, local_today, submit

pytestmark = pytest.mark.django_db


def test_a_new_version_cannot_take_effect_on_days_already_checked(network, standard):
    import datetime as dt

    from django.utils import timezone

    from consistency.models import DailyCheck

    DailyCheck.objects.create(site=network.a1, date=dt.date(2026, 6, 1), version=standard,
                              submitted_by=network.manager_a, performed_at=timezone.now(),
                              received_at=timezone.now(), client_id="6f1c1a52-8c8e-4d43-9a43-3d1f6f0e7a10", score=1)
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    response = head.post("/api/v1/standard/versions/2/publish/", {"effective_from": "2026-06-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "effective_from"
    assert response.json()["message"] == (
        "effective_from 2026-06-01 is too early: checks up to 2026-06-01 were judged by the version in force then, "
        "and stay judged by it. The earliest day version 2 can take effect is 2026-06-02.")
    assert head.post("/api/v1/standard/versions/2/publish/", {"effective_from": "2026-06-02"},
                     format="json").status_code == 200


def test_publish_cannot_date_back_before_the_version_in_force(network, standard):
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    response = head.post("/api/v1/standard/versions/2/publish/", {"effective_from": "2025-06-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "effective_from"
    assert response.json()["message"] == (
        "effective_from 2025-06-01 is too early: version 1, in force, took effect on 2026-01-01. The earliest day "
        "version 2 can take effect is 2026-01-01.")
    assert StandardVersion.objects.get(number=1).status == "published"


def test_publish_without_a_body_takes_effect_on_the_earliest_day_it_can(network, standard):
    # It answered 400 "effective_from must be after <today>", naming a field the client never sent, whenever a
    # check had been submitted today (every day, in a franchise at work); the docs said it defaults to today.
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    assert submit(client_for(network.manager_a), "A1", check_body(network.a1)).status_code == 201
    response = head.post("/api/v1/standard/versions/2/publish/")
    assert response.status_code == 200, response.json()
    # Auckland's today may be the server's (UTC) tomorrow: the day after it, either way.
    assert response.json()["effective_from"] == (local_today(network.a1) + dt.timedelta(days=1)).isoformat()
    assert response.json()["status"] == "published"


def test_publish_without_a_body_takes_effect_today_when_nothing_holds_it_back(network, standard):
    from django.utils import timezone

    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    response = head.post("/api/v1/standard/versions/2/publish/", {}, format="json")
    assert response.status_code == 200 and response.json()["effective_from"] == timezone.localdate().isoformat()


def test_a_version_cannot_be_published_to_take_effect_years_ahead(network, standard):
    # A typo of the year could not be undone: a published version is never withdrawn, and no later version
    # may take effect before it.
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    response = head.post("/api/v1/standard/versions/2/publish/", {"effective_from": "2062-12-01"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "effective_from"
    assert "within 366 days" in response.json()["message"]
    assert StandardVersion.objects.get(number=2).status == "draft"
    within = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    assert head.post("/api/v1/standard/versions/2/publish/", {"effective_from": within},
                     format="json").status_code == 200


def test_version_in_force_follows_effective_dates(network, standard):
    import datetime as dt

    from consistency.selectors.standard import version_in_force
    from consistency.services import standard as services

    draft = services.version_draft(standard=standard.standard)
    services.version_publish(version=draft, effective_from=dt.date(2026, 3, 1))
    assert version_in_force(on=dt.date(2025, 12, 31)) is None
    assert version_in_force(on=dt.date(2026, 2, 28)).number == 1
    assert version_in_force(on=dt.date(2026, 3, 1)).number == 2


def test_a_first_publication_cannot_take_effect_in_year_one(network):
    # With no version in force and no check, any day was accepted: 0001-01-01 (typed for 2026) could never be
    # undone, and every period's date arithmetic before it overflows.
    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document

    services.version_create_from_document(doc=parse_document(small_standard_doc()))
    head = client_for(network.head_office)
    response = head.post("/api/v1/standard/versions/1/publish/", {"effective_from": "0001-01-01"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "effective_from"
    assert response.json()["message"] == ("effective_from 0001-01-01 is too early: nothing Touchpoint records is dated "
                                          "before 2000-01-01. The earliest day version 1 can take effect is 2000-01-01.")
    assert StandardVersion.objects.get(number=1).status == "draft"
    # null is the default, as absent is.
    response = head.post("/api/v1/standard/versions/1/publish/", {"effective_from": None}, format="json")
    assert response.status_code == 200, response.json()
