"""The demo's departments: the brand standard declares them, accounting's person ``accounts`` serves every demo
site, and the demo history holds accounting's own checks beside the sites' (each with its part's criteria)."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count

from consistency.demo import seed_standard
from consistency.demo_history import seed_history
from consistency.models import DailyCheck, Department, TouchPoint
from consistency.services import rollup
from sites.demo import demo_site_codes, seed_network
from sites.models import Role, Site

pytestmark = pytest.mark.django_db


def test_the_demo_has_departments_accounts_and_accountings_checks():
    seed_network(password="demo")
    version = seed_standard()
    assert list(Department.objects.values_list("key", "submitted_by")) == [
        ("front_desk", "site"), ("field_service", "site"), ("customer_care", "site"), ("accounting", "department")]
    assert dict(TouchPoint.objects.filter(version=version).values_list("key", "department__key")) == {
        "phone": "front_desk", "uniform": "front_desk", "reception": "front_desk", "restroom": "front_desk",
        "windows": "front_desk", "delivery": "field_service", "invoice": "accounting", "feedback": "customer_care"}
    accounts = get_user_model().objects.get(username="accounts")
    assert accounts.check_password("demo")
    assert (accounts.profile.role, accounts.profile.department.key) == (Role.DEPARTMENT, "accounting")
    assert set(accounts.profile.sites.values_list("code", flat=True)) == set(demo_site_codes())

    codes = ["AKL-01", "MAN-01"]
    first = seed_history(days=10, site_codes=codes)
    checks = DailyCheck.objects.filter(site__code__in=codes, is_current=True)
    by_part = dict(checks.values_list("department__key").annotate(n=Count("id")).values_list("department__key", "n"))
    assert by_part[None] > 10 and by_part["accounting"] > 10
    # Each part holds its own criteria: 30 for the site's check, accounting's 4 (invoicing) for its own.
    sizes = {(c.department_id is not None, c.results.count()) for c in checks}
    assert sizes == {(False, 30), (True, 4)}
    assert set(checks.filter(department__isnull=False).values_list("submitted_by__username", flat=True)) == {
        "accounts"}
    # The running totals equal a rebuild from the raw rows (both parts counted, checked days by the site's own).
    from .test_departments_counting import raw_totals, stored

    for site in Site.objects.filter(code__in=codes):
        assert stored(site) == raw_totals(site)
    before = stored(Site.objects.get(code="MAN-01"))
    rollup.rebuild(site_ids=[Site.objects.get(code="MAN-01").pk])
    assert stored(Site.objects.get(code="MAN-01")) == before
    # Safe to run twice.
    assert seed_history(days=10, site_codes=codes)["checks"] == 0 and first["checks"] > 0
