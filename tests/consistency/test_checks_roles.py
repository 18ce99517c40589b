"""Every role on the one submission path: new checks and amendments, through DRF's authentication and
permission classes like every other endpoint."""

import pytest
from rest_framework.permissions import BasePermission

from consistency.api.check_views import SiteChecksView
from consistency.models import CheckResult, CorrectiveAction, DailyCheck, IdempotencyRecord
from tests.conftest import client_for

from .checks_support import check_body, submit

pytestmark = pytest.mark.django_db

# (persona, site, status): head office writes every site; a manager only their own (another's site is not even
# known to exist: 404); an auditor reads and never writes (403 where they may read, 404 elsewhere).
ROLES = [
    ("head_office", "A1", 201),
    ("head_office", "B1", 201),
    ("manager_a", "A1", 201),
    ("manager_a", "A2", 404),
    ("manager_b", "A1", 404),
    ("auditor", "A1", 403),
    ("auditor", "B1", 404),
    ("auditor_b1", "B1", 403),
    ("auditor_b1", "A1", 404),
]


def _stranger(network):
    return None


def _inactive(network):
    network.manager_a.is_active = False
    network.manager_a.save(update_fields=["is_active"])
    return network.manager_a


@pytest.mark.parametrize(("persona", "site", "status"), ROLES)
def test_who_may_submit_a_check(network, standard, persona, site, status):
    site_obj = getattr(network, site.lower())
    response = submit(client_for(getattr(network, persona)), site, check_body(site_obj),
                      **{"Idempotency-Key": "morning"})
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["site"] == site and response.json()["submitted_by"] == getattr(network, persona).username
        assert DailyCheck.objects.filter(site=site_obj).count() == 1
    else:
        assert response.json()["field"] == "code"
        assert not DailyCheck.objects.exists() and not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(("persona", "site", "status"), ROLES)
def test_who_may_amend_a_check(network, standard, persona, site, status):
    site_obj = getattr(network, site.lower())
    first = submit(client_for(network.head_office), site, check_body(site_obj, values={"phone_greeting": False}))
    assert first.status_code == 201
    first_id = first.json()["id"]
    amendment = check_body(site_obj, amends=first_id, reason="the greeting was given")
    response = submit(client_for(getattr(network, persona)), site, amendment)
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["amends"] == first_id
        assert DailyCheck.objects.get(pk=first_id).is_current is False
        assert CorrectiveAction.objects.get().status == "resolved"
    else:
        assert DailyCheck.objects.get(pk=first_id).is_current is True
        assert DailyCheck.objects.count() == 1 and CheckResult.objects.filter(is_current=True).count() == 4
        assert CorrectiveAction.objects.get().status == "open"


@pytest.mark.parametrize("who", [_stranger, _inactive], ids=["anonymous", "inactive user"])
@pytest.mark.parametrize("amending", [False, True], ids=["new check", "amendment"])
def test_anonymous_and_inactive_users_are_a_401_whatever_the_body(network, standard, who, amending):
    first = submit(client_for(network.manager_a), "A1", check_body(network.a1)).json()
    client = client_for(network.manager_a)  # its token, before the user is deactivated
    user = who(network)
    if user is None:
        client = client_for()
    body = check_body(network.a1, amends=first["id"], reason="typo") if amending else check_body(network.a1)
    for sent in (body, {"results": "nonsense"}):
        response = submit(client, "A1", sent, **{"Idempotency-Key": "k"})
        assert response.status_code == 401, response.content
    assert DailyCheck.objects.count() == 1 and not IdempotencyRecord.objects.exists()


def test_a_permission_added_to_the_view_is_checked_on_submission(network, standard, monkeypatch):
    """The submission has no way around DRF: a permission added later is asked like on any endpoint."""

    class ClosedForMaintenance(BasePermission):
        message = "Closed for maintenance."

        def has_permission(self, request, view):
            return request.method != "POST"

    monkeypatch.setattr(SiteChecksView, "permission_classes",
                        [*SiteChecksView.permission_classes, ClosedForMaintenance])
    response = submit(client_for(network.manager_a), "A1", check_body(network.a1), **{"Idempotency-Key": "k"})
    assert response.status_code == 403 and response.json()["message"] == "Closed for maintenance."
    assert not DailyCheck.objects.exists() and not IdempotencyRecord.objects.exists()
    assert client_for(network.manager_a).get("/api/v1/sites/A1/checks/").status_code == 200
