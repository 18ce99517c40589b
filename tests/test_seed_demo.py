"""`manage.py seed_demo`: the demo franchise, with the logins scripts rely on, safe to run twice."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from consistency.models import StandardVersion
from sites.models import Region, Site
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEMO_PASSWORD = "s3cret-demo"
    call_command("seed_demo")
    return settings


def test_seed_builds_the_network_and_publishes_the_standard(seeded):
    assert Region.objects.count() >= 3
    assert Site.objects.count() >= 24
    version = StandardVersion.objects.get(status="published")
    assert version.criteria.count() == 34


def test_logins_follow_one_pattern(seeded):
    anon = client_for()
    User = get_user_model()
    for site in Site.objects.all():
        assert User.objects.filter(username=f"manager.{site.code.lower()}").exists()

    token = anon.post("/api/v1/auth/token/", {"username": "manager.akl-01", "password": "s3cret-demo"},
                      format="json").json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get("/api/v1/me/").json()["sites"] == ["AKL-01"]
    assert anon.get("/api/v1/sites/AKL-01/").status_code == 200
    assert anon.get("/api/v1/sites/AKL-02/").status_code == 404  # the site next door

    head = User.objects.get(username="head.office")
    assert head.check_password("s3cret-demo")
    assert len(client_for(head).get("/api/v1/me/").json()["sites"]) == Site.objects.count()
    auditor = client_for(User.objects.get(username="auditor")).get("/api/v1/me/").json()
    assert auditor["role"] == "auditor" and auditor["regions"] == ["nz"]
    assert set(auditor["sites"]) == set(Site.objects.filter(region__code="nz").values_list("code", flat=True))


def test_seed_is_safe_to_run_twice(seeded):
    counts = (Site.objects.count(), get_user_model().objects.count(), StandardVersion.objects.count())
    call_command("seed_demo")
    assert (Site.objects.count(), get_user_model().objects.count(), StandardVersion.objects.count()) == counts
