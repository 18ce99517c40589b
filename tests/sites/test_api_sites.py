"""Login, me and sites: every role, inside and outside its scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def codes(response):
    return [s["code"] for s in response.json()["results"]]


def test_token_login_gives_a_token_that_authenticates(network):
    anon = client_for()
    response = anon.post("/api/v1/auth/token/", {"username": "manager.a1", "password": "pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get("/api/v1/me/").json()["username"] == "manager.a1"


def test_an_unknown_token_and_a_deactivated_user_are_refused(network):
    stranger = client_for()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = stranger.get("/api/v1/me/")
    assert response.status_code == 401 and "Invalid token" in response.json()["message"]

    client = client_for(network.manager_a)
    assert client.get("/api/v1/me/").status_code == 200
    network.manager_a.is_active = False
    network.manager_a.save(update_fields=["is_active"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and "inactive" in response.json()["message"]
    assert client.post("/api/v1/sites/A1/checks/", {}, format="json").status_code == 401


def test_wrong_password_is_a_400_in_the_error_shape(network):
    response = client_for().post("/api/v1/auth/token/", {"username": "manager.a1", "password": "nope"},
                                 format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"code", "message", "field", "errors"}
    assert "Unable to log in" in body["message"]


def test_missing_password_names_the_field(network):
    response = client_for().post("/api/v1/auth/token/", {"username": "manager.a1"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "password"


def test_anonymous_is_refused_everywhere(network):
    for path in ["/api/v1/me/", "/api/v1/sites/", "/api/v1/sites/A1/", "/api/v1/standard/current/"]:
        response = client_for().get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("persona", "role", "sites", "writable"),
    [
        ("manager_a", "manager", ["A1"], ["A1"]),
        ("manager_b", "manager", ["B1"], ["B1"]),
        ("head_office", "head_office", ["A1", "A2", "B1"], ["A1", "A2", "B1"]),
        ("auditor", "auditor", ["A1", "A2"], []),
        ("auditor_b1", "auditor", ["B1"], []),
    ],
)
def test_me_says_role_and_sites(network, persona, role, sites, writable):
    body = client_for(getattr(network, persona)).get("/api/v1/me/").json()
    assert body["role"] == role
    assert body["sites"] == sites
    assert body["writable_sites"] == writable


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("manager_a", ["A1"]),
        ("manager_b", ["B1"]),
        ("head_office", ["A1", "A2", "B1"]),
        ("auditor", ["A1", "A2"]),
        ("auditor_b1", ["B1"]),
    ],
)
def test_site_list_and_detail_are_scoped(network, persona, visible):
    client = client_for(getattr(network, persona))
    assert codes(client.get("/api/v1/sites/")) == visible
    for code in ["A1", "A2", "B1"]:
        response = client.get(f"/api/v1/sites/{code}/")
        if code in visible:
            assert response.status_code == 200
            assert response.json()["code"] == code
        else:
            # Another scope's site is not even admitted to exist.
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
            assert code not in str(codes(client.get("/api/v1/sites/")))


def test_a_user_without_a_profile_sees_nothing(network):
    from tests.factories import UserFactory

    stranger = UserFactory(username="stranger")
    client = client_for(stranger)
    assert codes(client.get("/api/v1/sites/")) == []
    assert client.get("/api/v1/sites/A1/").status_code == 404


def test_sites_filter_by_region(network):
    client = client_for(network.head_office)
    assert codes(client.get("/api/v1/sites/?region=region-b")) == ["B1"]


def test_site_writes_are_not_an_api_operation(network):
    # Sites are head-office data entered through the admin; the API is read-only for them.
    client = client_for(network.head_office)
    assert client.post("/api/v1/sites/", {"code": "X"}, format="json").status_code == 405
    assert client.delete("/api/v1/sites/A1/").status_code == 405


@pytest.mark.parametrize("persona", ["manager_a", "head_office", "auditor"])
def test_site_list_query_count_does_not_grow_with_sites(network, persona):
    client = client_for(getattr(network, persona))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/sites/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(20):
        site = SiteFactory(code=f"EXTRA-{n}", region=network.region_a)
        network.manager_a.profile.sites.add(site)
    assert count() == before
    # token + profile + count + page, whatever the number of sites
    assert before <= 4


def test_writable_site_is_writable_sites(network):
    """The submission's scope says what writable_sites says, for every persona and site: the role, then the site."""
    from django.contrib.auth import get_user_model

    from sites import access
    from sites.models import Profile, Role, Site

    network.a2.active = False
    network.a2.save(update_fields=["active"])
    lonely = get_user_model().objects.create_user("manager.without.sites")
    Profile.objects.create(user=lonely, role=Role.MANAGER)
    nobody = get_user_model().objects.create_user("no.profile")
    root = get_user_model().objects.create_superuser("root")
    people = [network.manager_a, network.manager_b, network.head_office, network.auditor, network.auditor_b1,
              lonely, nobody, root]
    for user in people:
        for site in Site.objects.all():
            fresh = get_user_model().objects.get(pk=user.pk)  # no profile cached yet
            with CaptureQueriesContext(connection) as ctx:
                got = access.writable_site(fresh, site.code)
            assert len(ctx.captured_queries) <= 2
            expected = access.writable_sites(fresh).filter(pk=site.pk).first()
            assert got == expected, (user.username, site.code)
            if got is not None:  # every field as the ORM reads it, types included (booleans, dates)
                for f in Site._meta.concrete_fields:
                    mine, theirs = getattr(got, f.attname), getattr(expected, f.attname)
                    assert (mine, type(mine)) == (theirs, type(theirs)), f.name
                assert (got.region.code, got.region.name) == (expected.region.code, expected.region.name)
            assert access.writable_site(fresh, site.code) == expected  # profile now cached: the other path
        assert access.writable_site(user, "NOPE") is None
