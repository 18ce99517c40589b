"""/app/calibration/ in a real browser on the demo network: three calibration visits by two auditors render,
pass axe-core, and the screenshot docs/screenshots/app-calibration.png is made here."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from consistency.demo_history import _value
from consistency.selectors import checks as check_selectors
from consistency.selectors.standard import version_in_force
from customer.services.calibration import calibration_mark
from sites.models import Role, Site
from tests.factories import person

from ..browser import browser_available
from .conftest import check_axe, screenshot
from .perception_data import audit

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]


@pytest.fixture
def calibration_visits(demo_franchise):
    rng = random.Random(3)
    head = demo_franchise["network"]
    from django.contrib.auth import get_user_model

    head_office = get_user_model().objects.get(username="head.office")
    first = get_user_model().objects.get(username="auditor")
    second = person("auditor.two", Role.AUDITOR, regions=[Site.objects.get(code="SYD-01").region])
    second.first_name, second.last_name = "Ravi", "Patel"
    second.save()
    today = timezone.localdate()
    for back, (code, agree) in enumerate((("SYD-01", 0.9), ("MEL-02", 0.7), ("BNE-01", 0.8))):
        day = today - dt.timedelta(days=3 + 9 * back)
        rules = check_selectors.version_criteria(version_in_force(on=day)).by_key
        keys = [k for k in rules if rng.random() < 0.45]
        good = {k: rng.random() < 0.8 for k in keys}
        a = audit(Site.objects.get(code=code), day, {k: float(_value(rules[k], good[k], rng)) for k in keys},
                  user=first)
        b = audit(Site.objects.get(code=code), day,
                  {k: float(_value(rules[k], good[k] if rng.random() < agree else not good[k], rng)) for k in keys},
                  user=second)
        calibration_mark(user=head_office, audit_ids=[a.pk, b.pk], note="Quarterly calibration round" if not back else "")
    return head


def test_head_office_compares_its_auditors(calibration_visits, open_as):
    page = open_as("head.office", "/app/calibration/?period=30")
    assert page.title().startswith("Calibration")
    assert page.locator("article.visit").count() == 3
    assert page.locator("table.pairs tbody tr").count() == 1
    screenshot(page, "app-calibration")
    check_axe(page)
