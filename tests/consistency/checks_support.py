"""Helpers shared by the daily-check tests: a valid body for the small test standard, local dates, and waiting
for a concurrent transaction to block."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

# Values for the small test standard (tests/factories.py small_standard_doc) that meet every target.
GOOD = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97.5}


def local_today(site) -> dt.date:
    return timezone.now().astimezone(site.tz).date()


def check_body(site=None, *, day: dt.date | None = None, values: dict | None = None, **extra) -> dict:
    day = day or local_today(site)
    values = {**GOOD, **(values or {})}
    body = {
        "date": day.isoformat(),
        "performed_at": timezone.now().isoformat(),
        "client_id": str(uuid.uuid4()),
        "results": [{"criterion": k, "value": v, "note": ""} for k, v in values.items()],
    }
    body.update(extra)
    return body


def submit(client, site_code: str, body: dict, **headers):
    return client.post(f"/api/v1/sites/{site_code}/checks/", body, format="json", headers=headers)


def wait_until_blocked(thread, timeout: float = 10) -> None:
    """Return once ``thread`` waits for a database lock (or has finished, or ``timeout`` seconds passed): for
    tests that hold one transaction open while another one runs into it."""
    import time

    from django.db import connection

    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
