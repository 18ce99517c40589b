"""The demo franchise's network: regions, sites and people. Safe to run twice."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Profile, Region, Role, Site

REGIONS = [
    ("nz", "New Zealand", "Pacific/Auckland", [("AKL", "Auckland", 3), ("WLG", "Wellington", 2),
                                              ("CHC", "Christchurch", 2)]),
    ("au", "Australia", "Australia/Sydney", [("SYD", "Sydney", 3), ("MEL", "Melbourne", 2),
                                            ("BNE", "Brisbane", 1)]),
    ("uk", "United Kingdom", "Europe/London", [("LON", "London", 3), ("MAN", "Manchester", 2)]),
    ("us-east", "US East", "America/New_York", [("NYC", "New York", 3), ("BOS", "Boston", 2)]),
    ("us-west", "US West", "America/Los_Angeles", [("LAX", "Los Angeles", 2), ("SFO", "San Francisco", 2),
                                                   ("SEA", "Seattle", 1)]),
]
AUDITOR_REGION = "nz"
# The accounting department's demo person: submits accounting's touch points (invoicing) for every demo site.
ACCOUNTS_USERNAME = "accounts"
# The demo people's e-mail domain (reserved for examples: nothing is ever delivered there by a real server).
DEMO_MAIL_DOMAIN = "example.com"
# Demo people who read the pages in French (Profile.language): a second manager of LON-02, so the same site reads
# in both languages side by side (manager.lon-02 keeps English); head office and everyone else keep the browser's
# language (English by default).
FRENCH_MANAGERS = {"gerante.lon-02": ("Camille", "Martin", "LON-02")}
# The demo sites open this many days before the first seeding, so the demo history (consistency.
# demo_history) covers their whole life and "missed days" mean days that were really skipped.
DEMO_HISTORY_DAYS = 60


def demo_opened_on() -> dt.date:
    return dt.date.today() - dt.timedelta(days=DEMO_HISTORY_DAYS)


def demo_site_codes() -> list[str]:
    return [f"{city}-{n:02d}" for _, _, _, cities in REGIONS for city, _, count in cities for n in range(1, count + 1)]


def _user(username: str, password_hash: str, *, first: str, last: str, role: str, superuser: bool = False):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
    user.password = password_hash
    # Every demo person has an address, so the alerts and notices reach them (``make run`` keeps the mail).
    user.email = user.email or f"{username}@{DEMO_MAIL_DOMAIN}"
    user.is_staff = superuser
    user.is_superuser = superuser
    user.save()
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": role})
    return user, profile


def _seed_accounts(password_hash: str, sites: list[Site]) -> None:
    """``accounts``: department staff of accounting, serving every demo site. The department is the standard's
    (consistency/standards/touchpoint-brand.yaml, upserted when it is loaded); made here first if need be, so
    that the person has it."""
    from consistency.models import Department, SubmittedBy

    accounting, _ = Department.objects.get_or_create(
        key="accounting", defaults={"name": "Accounting", "submitted_by": SubmittedBy.DEPARTMENT})
    _, profile = _user(ACCOUNTS_USERNAME, password_hash, first="Ana", last="Accounts", role=Role.DEPARTMENT)
    if profile.department_id != accounting.pk:
        profile.department = accounting
        profile.save(update_fields=["department"])
    profile.sites.set(sites)


@transaction.atomic
def seed_network(*, password: str) -> dict:
    """Create (or bring up to date) the demo regions, sites and logins."""
    # One hash for every demo login: hashing is deliberately slow, and 30 of them took 12 s.
    password_hash = make_password(password)
    sites: list[Site] = []
    for region_code, region_name, tz, cities in REGIONS:
        region, _ = Region.objects.update_or_create(code=region_code, defaults={"name": region_name})
        for city, city_name, count in cities:
            for n in range(1, count + 1):
                code = f"{city}-{n:02d}"
                site, _ = Site.objects.update_or_create(
                    code=code,
                    defaults={"name": f"{city_name} {['Central', 'North', 'South'][n - 1]}", "region": region,
                              "timezone": tz, "active": True},
                    # Kept on later runs: moving a site's opening would rewrite its history's meaning.
                    create_defaults={"name": f"{city_name} {['Central', 'North', 'South'][n - 1]}",
                                     "region": region, "timezone": tz, "active": True,
                                     "opened_on": demo_opened_on()},
                )
                sites.append(site)
    head_office, _ = _user("head.office", password_hash, first="Hana", last="Office", role=Role.HEAD_OFFICE,
                           superuser=True)
    # Head office's contact for every region (told of missed days, critical failures and overdue actions); kept
    # if someone chose another contact since.
    Region.objects.filter(contact__isnull=True).update(contact=head_office)
    _, auditor = _user("auditor", password_hash, first="Ari", last="Auditor", role=Role.AUDITOR)
    auditor.regions.set(Region.objects.filter(code=AUDITOR_REGION))
    for site in sites:
        _, profile = _user(f"manager.{site.code.lower()}", password_hash, first="Manager", last=site.code,
                           role=Role.MANAGER)
        profile.sites.set([site])
    _seed_accounts(password_hash, sites)
    by_code = {site.code: site for site in sites}
    for username, (first, last, code) in FRENCH_MANAGERS.items():
        _, profile = _user(username, password_hash, first=first, last=last, role=Role.MANAGER)
        profile.sites.set([by_code[code]])
        if profile.language != "fr":
            profile.language = "fr"
            profile.save(update_fields=["language"])
    return {"sites": sites, "regions": Region.objects.count()}
