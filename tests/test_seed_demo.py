"""`manage.py seed_demo`: the demo franchise, with the logins scripts rely on, safe to run twice.

One test, because seeding the history with its photos is the slow part: it runs twice here, not once
per assertion. On DAYS of history (``--days``), not the default two months: every step of the seed runs the
same, on half the photos (the suite's longest test); that the default is two months is checked apart.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from consistency.models import DailyCheck, Evidence, StandardVersion
from customer.demo import CALIBRATION_SITE, OPTIMISTIC, SHOPPER_SITES
from customer.models import (
    Audit,
    AuditKind,
    CalibrationVisit,
    FeedbackDay,
    FeedbackQuestion,
    FeedbackResponse,
)
from sites.models import Region, Site
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DAYS = 30  # one month: one audit a site (the audits are monthly), a month of feedback


def counts():
    return (Site.objects.count(), get_user_model().objects.count(), StandardVersion.objects.count(),
            DailyCheck.objects.count(), Evidence.objects.count(), Audit.objects.count(),
            CalibrationVisit.objects.count(), FeedbackQuestion.objects.count(), FeedbackResponse.objects.count())


def test_seed_demo_builds_the_franchise_with_its_logins_and_is_safe_to_run_twice(settings, monkeypatch):
    settings.DEMO_PASSWORD = "s3cret-demo"
    # One clock for both runs: between them a midnight may begin a new day at some site, which rightly
    # adds that day's checks (it failed once at 00:00 UTC).
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    call_command("seed_demo", days=DAYS, verbosity=0)

    # The network and the standard.
    assert Region.objects.count() >= 3
    assert Site.objects.count() >= 24
    version = StandardVersion.objects.get(status="published")
    assert version.criteria.count() == 34
    assert DailyCheck.objects.count() > 24 * DAYS

    # Logins follow one pattern.
    User = get_user_model()
    for site in Site.objects.all():
        assert User.objects.filter(username=f"manager.{site.code.lower()}").exists()
    anon = client_for()
    token = anon.post("/api/v1/auth/token/", {"username": "manager.akl-01", "password": "s3cret-demo"},
                      format="json").json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get("/api/v1/me/").json()["sites"] == ["AKL-01"]
    assert anon.get("/api/v1/sites/AKL-01/").status_code == 200
    assert anon.get("/api/v1/sites/AKL-02/").status_code == 404  # the site next door
    head = User.objects.get(username="head.office")
    assert head.check_password("s3cret-demo")
    assert not head.check_password("demo")
    assert len(client_for(head).get("/api/v1/me/").json()["sites"]) == Site.objects.count()
    auditor = client_for(User.objects.get(username="auditor")).get("/api/v1/me/").json()
    assert auditor["role"] == "auditor" and auditor["regions"] == ["nz"]
    assert set(auditor["sites"]) == set(Site.objects.filter(region__code="nz").values_list("code", flat=True))

    _the_customers_view_shows_the_gap_at_the_optimistic_sites(frozen)

    # A second run changes nothing.
    before = counts()
    call_command("seed_demo", days=DAYS, verbosity=0)
    assert counts() == before


def test_seed_demo_seeds_two_months_unless_told_and_refuses_no_history():
    from consistency.management.commands.seed_demo import HISTORY_DAYS, Command

    assert HISTORY_DAYS == 60  # what `make run` shows: two monthly audits a site, and a gap that holds
    parser = Command().create_parser("manage.py", "seed_demo")
    assert parser.parse_args([]).days == HISTORY_DAYS and parser.parse_args(["--days", "7"]).days == 7
    with pytest.raises(CommandError, match="--days: at least 1 day of history, not 0"):
        call_command("seed_demo", days=0, verbosity=0)
    assert not Site.objects.exists()  # refused before anything was written


def test_seed_demo_refuses_to_run_under_production_settings():
    # Its logins follow a pattern anyone can guess and share one password: never on a real franchise.
    import os
    import subprocess
    import sys
    from pathlib import Path

    from reports.certificates import make_certificate

    key, cert = make_certificate("Seed Test Franchise")  # production refuses to start without its signing pair
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings.production",
           "SECRET_KEY": "production-like-" + "k3Q!x9" * 8,
           "PACK_SIGNING_KEY": key.decode(), "PACK_SIGNING_CERT": cert.decode(),
           # Were the guard to let it through, it would stop at a database that does not exist, not seed one.
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/seed_demo_must_not_touch_this"}
    result = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=Path(__file__).resolve().parent.parent,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "seed_demo refuses to run under production settings (backend.settings.production)" in result.stderr
    assert "Traceback" not in result.stderr


def _the_customers_view_shows_the_gap_at_the_optimistic_sites(now):
    """customer/demo.py: the personas, about one audit a site a month, mystery shops, a calibration visit, and
    feedback agreeing with its daily totals; the perception gap shows at the optimistic sites on first run."""
    import datetime as dt

    from django.db.models import Count, Sum

    from customer.perception import perception_gap

    User = get_user_model()
    shopper = client_for(User.objects.get(username="shopper")).get("/api/v1/me/").json()
    assert shopper["role"] == "mystery_shopper" and set(shopper["sites"]) == set(SHOPPER_SITES)
    two = client_for(User.objects.get(username="auditor.two")).get("/api/v1/me/").json()
    assert two["role"] == "auditor" and CALIBRATION_SITE in two["sites"]

    audits = dict(Audit.objects.filter(kind=AuditKind.AUDIT).values_list("site__code").annotate(n=Count("id")))
    assert set(audits) == set(Site.objects.values_list("code", flat=True))  # every site audited
    # About one a month (+ the calibration visit's two at its site).
    assert all(DAYS // 30 <= n <= DAYS // 30 + 2 for n in audits.values()), audits
    shops = Audit.objects.filter(kind=AuditKind.MYSTERY_SHOP)
    assert set(shops.values_list("site__code", flat=True)) == set(SHOPPER_SITES)
    assert set(shops.values_list("submitted_by__username", flat=True)) == {"shopper"}
    visit = CalibrationVisit.objects.get()
    assert visit.site.code == CALIBRATION_SITE
    assert set(visit.audits.values_list("submitted_by__username", flat=True)) == {"auditor", "auditor.two"}
    assert FeedbackQuestion.objects.exclude(touch_point_key="").count() >= 5

    # FeedbackDay agrees with the responses, day by day.
    responses = {(r["site_id"], r["date"], r["question_id"]): (r["n"], r["ok"]) for r in
                 FeedbackResponse.objects.values("site_id", "date", "question_id")
                 .annotate(n=Count("id"), ok=Count("id", filter=Q(normalized__gte=0.75)))}
    days = {(d.site_id, d.date, d.question_id): (d.responses, d.satisfied) for d in FeedbackDay.objects.all()}
    assert responses == days and sum(n for n, _ in days.values()) > 150 * DAYS  # 1-4 surveys a site a day
    assert FeedbackDay.objects.aggregate(n=Sum("responses"))["n"] == FeedbackResponse.objects.count()

    # The gap: the optimistic sites' self-checks beat their audits, supported, and they head the ranking.
    today = now.date()
    gap = perception_gap(sites=Site.objects.all(), date_from=today - dt.timedelta(days=DAYS),
                         date_to=today - dt.timedelta(days=1))
    by_code = {s.code: s for s in gap.sites}
    for code in OPTIMISTIC:
        site = by_code[code]
        assert site.optimism.supported and site.optimism.low > 0.1, (code, site.optimism)
        assert site.customer.satisfied.rate < gap.overall.customer.satisfied.rate
    assert {s.code for s in gap.optimistic[:len(OPTIMISTIC)]} == set(OPTIMISTIC)
    assert gap.overall.self_vs_audit.supported
    audit_link = next(c for c in gap.correlations if c.measure == "audit")
    assert audit_link.verdict == "positive", audit_link.message
