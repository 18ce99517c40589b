"""The morning rush's franchise, in bulk: N sites in a region of their own, a manager for each with a device
token, written in a few statements (a sign-in per manager would hash N passwords and meet the sign-in
throttle). Tokens are made by knox's own function (only their digest is stored, as at sign-in).

    DJANGO_SETTINGS_MODULE=backend.settings.stack python bench/morning_rush/setup.py <plan.json> <sites>

Writes the plan: the base URL's standard criteria for a site's check, and (code, time zone, token) per site.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from knox.models import get_digest_token  # noqa: E402
from knox.settings import CONSTANTS  # noqa: E402

from sites.models import DeviceToken, Profile, Region, Role, Site  # noqa: E402

ZONES = ["Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Kolkata", "Europe/London",
         "America/New_York", "America/Chicago", "America/Los_Angeles"]


@transaction.atomic
def seed(n: int) -> list[dict]:
    region, _ = Region.objects.get_or_create(code="rush", defaults={"name": "Morning rush"})
    opened = dt.date.today() - dt.timedelta(days=2)
    codes = [f"RUSH-{i:05d}" for i in range(1, n + 1)]
    Site.objects.bulk_create([Site(code=c, name=f"Rush {c[5:]}", region=region, timezone=ZONES[i % len(ZONES)],
                                   opened_on=opened) for i, c in enumerate(codes)])
    sites = {s.code: s for s in Site.objects.filter(code__in=codes)}
    User = get_user_model()
    password = make_password(None)  # unusable: these managers only ever use their token
    User.objects.bulk_create([User(username=f"manager.{c.lower()}", password=password, first_name="Manager",
                                   last_name=c) for c in codes])
    users = {u.username: u for u in User.objects.filter(username__startswith="manager.rush-")}
    Profile.objects.bulk_create([Profile(user=users[f"manager.{c.lower()}"], role=Role.MANAGER) for c in codes])
    profiles = {p.user_id: p for p in Profile.objects.filter(user__in=users.values())}
    Through = Profile.sites.through
    Through.objects.bulk_create([Through(profile_id=profiles[users[f"manager.{c.lower()}"].pk].pk,
                                         site_id=sites[c].pk) for c in codes])
    now = timezone.now()
    tokens, plan = [], []
    for c in codes:
        digest, token = get_digest_token()
        tokens.append(DeviceToken(user=users[f"manager.{c.lower()}"], digest=digest,
                                  token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH], device_name="rush phone",
                                  expiry=now + settings.REST_KNOX["TOKEN_TTL"], last_used=now))
        plan.append({"code": c, "timezone": sites[c].timezone, "token": token})
    DeviceToken.objects.bulk_create(tokens, batch_size=2000)
    return plan


def main(path: str, n: int) -> None:
    started = time.perf_counter()
    plan = seed(n)
    took = time.perf_counter() - started
    Path(path).write_text(json.dumps({"sites": plan, "seconds": took}))
    print(f"setup: {n} sites, managers and tokens in {took:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
