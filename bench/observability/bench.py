"""The per-request cost of observability, as a ratio to the same request without it, in the same run.

Two handlers on one process, one database: Django's test client with the settings' MIDDLEWARE, and one with the four
entries of issue 19 taken out (backend.logs.RequestId, backend.health.Probes, django-prometheus's Before and After).
Rounds alternate between them so that the machine's noise falls on both; the figure is the ratio of medians. The
request: GET /api/v1/me/ with a token (authentication, the person's sites: three queries), the lightest real read a
phone makes. Also: a /metrics scrape (every sample of this process, and each queue's depth read from Redis)."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from sites import tokens  # noqa: E402
from sites.models import Profile, Region, Role, Site  # noqa: E402

OURS = {"backend.logs.RequestId", "backend.health.Probes", "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django_prometheus.middleware.PrometheusAfterMiddleware"}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", "200"))
OUT = Path(__file__).resolve().parents[1] / "RESULTS-observability.md"


def seed() -> str:
    from django.contrib.auth import get_user_model

    region, _ = Region.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    site, _ = Site.objects.get_or_create(code="BENCH-01", defaults={"name": "Bench", "region": region,
                                                                     "opened_on": dt.date(2026, 1, 1)})
    user, created = get_user_model().objects.get_or_create(username="manager.bench-01")
    if created:
        Profile.objects.create(user=user, role=Role.MANAGER).sites.set([site])
        call_command("load_standard", "consistency/standards/touchpoint-brand.yaml", "--publish", verbosity=0)
    return tokens.token_issue(user=user, device_name="bench")[1]


def client(middleware: list[str], token: str) -> Client:
    with override_settings(MIDDLEWARE=middleware):
        c = Client(HTTP_AUTHORIZATION=f"Token {token}")
        assert c.get("/api/v1/me/").status_code == 200  # loads this handler's middleware, inside the override
    return c


def per_request(c: Client, path: str, **headers) -> float:
    started = time.perf_counter()
    for _ in range(PER_ROUND):
        c.get(path, **headers)
    return (time.perf_counter() - started) / PER_ROUND


def main() -> None:
    token = seed()
    full = list(settings.MIDDLEWARE)
    bare = [m for m in full if m not in OURS]
    assert len(full) - len(bare) == 4, "the four middlewares of issue 19 are not all in MIDDLEWARE"
    with_it, without = client(full, token), client(bare, token)
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(per_request(with_it, "/api/v1/me/"))
        b.append(per_request(without, "/api/v1/me/"))
    scrapes = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        answer = with_it.get("/metrics")
        scrapes.append(time.perf_counter() - started)
        assert answer.status_code == 200 and b"touchpoint_celery_broker_up 1.0" in answer.content
    size = len(with_it.get("/metrics").content)
    ratio = statistics.median(a) / statistics.median(b)
    text = f"""## observability

What watching costs (bench/observability/run.sh): `GET /api/v1/me/` with a token through Django's handler with the
four middlewares of issue 19 (request id, probes, django-prometheus before and after) against the same request
without them, {ROUNDS} alternating rounds of {PER_ROUND} requests, medians; and a `/metrics` scrape of this process
with each Celery queue's depth read from Redis ({settings.CELERY_BROKER_URL.split('://')[0]}).

| figure | value |
| --- | --- |
| `/api/v1/me/` with them, per request | {statistics.median(a) * 1000:.2f} ms |
| `/api/v1/me/` without them, per request | {statistics.median(b) * 1000:.2f} ms |
| **ratio (with / without)** | **{ratio:.3f}** |
| `/metrics` scrape, median | {statistics.median(scrapes) * 1000:.1f} ms ({size:,} bytes) |
| spread of the ratio over rounds (min - max) | {min(x / y for x, y in zip(a, b, strict=True)):.3f} - {max(x / y for x, y in zip(a, b, strict=True)):.3f} |

Measured on {os.cpu_count()} CPUs shared with other work (the spread says how noisy); the ratio is the figure, the
milliseconds are this run's. The database execute wrapper that feeds the `django_db_*` metrics is on in both handlers
(it is per connection, not a middleware): its cost is not in the ratio.
"""
    OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
