"""The morning rush's load generator: locust, run OPEN LOOP.

Locust's users are closed loops (a user sends its next request when its last one is answered, so a slow server
slows the load down and hides its own latency). Here one locust user is only a clock: arrival ``i`` is due at
``start + i / rate`` whatever the server does, and each arrival runs in a greenlet of its own. A site's morning
(its check, then two photos: ask for the upload, the presigned S3 POST, the confirmation) is timed from the
moment it was DUE, not from when the generator got round to it, so a late generator cannot hide latency
either (coordinated omission). The generator is bounded: at most ``--max-in-flight`` sites at once; an arrival
that finds it full is counted as shed (an error of the run), never delayed.

    locust -f bench/morning_rush/locustfile.py --headless -u 1 -r 1 --host http://127.0.0.1:8100 \\
        --plan plan.json --phase rush --rate 4 --first 0 --count 5000 --out rush.json

``--phase baseline``: each arrival is one ``GET /api/v1/me/`` with a token (authentication, one query, JSON
out): the trivial endpoint of the same stack, at the rate given.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import gevent
from gevent.pool import Pool
from locust import User, constant, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.stack import phone  # noqa: E402

PHOTOS_PER_SITE = 2


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--plan", required=True, help="setup.py's plan (sites and their tokens)")
    parser.add_argument("--phase", choices=["rush", "baseline"], default="rush")
    parser.add_argument("--rate", type=float, required=True, help="arrivals per second")
    parser.add_argument("--first", type=int, default=0, help="the plan's first site to use")
    parser.add_argument("--count", type=int, required=True, help="arrivals")
    parser.add_argument("--max-in-flight", type=int, default=400)
    parser.add_argument("--photo-size", default="1024x768")
    parser.add_argument("--out", required=True)


class Requests:
    """Every request's latency and outcome, from locust's request event."""

    def __init__(self):
        self.rows: list[tuple[str, float, float, bool]] = []  # name, start (perf_counter s), ms, ok

    def __call__(self, request_type, name, response_time, response_length, exception=None, start_time=None,
                 **kwargs):
        self.rows.append((name, time.perf_counter() - response_time / 1000, response_time, exception is None))


REQUESTS = Requests()
events.request.add_listener(REQUESTS)


class Authorised:
    """A phone's session: its token on every request to the API (never to S3)."""

    def __init__(self, session: FastHttpSession, token: str):
        self.session, self.headers = session, {"Authorization": f"Token {token}"}

    def get(self, url, headers=None, **kwargs):
        return self.session.get(url, headers={**self.headers, **(headers or {})}, **kwargs)

    def post(self, url, headers=None, **kwargs):
        return self.session.post(url, headers={**self.headers, **(headers or {})}, **kwargs)


class Clock(User):
    """The one locust user: it schedules the arrivals and waits for the last of them."""

    fixed_count = 1
    wait_time = constant(0)

    def on_start(self):
        o = self.environment.parsed_options
        self.host_url = self.environment.host.rstrip("/")
        planned = json.loads(Path(o.plan).read_text())["sites"]
        if o.phase == "baseline":  # a token per arrival, the plan's managers over again if need be
            self.sites = [planned[(o.first + n) % len(planned)] for n in range(o.count)]
        else:  # a site checks once a day: each arrival is a site of its own
            self.sites = planned[o.first:o.first + o.count]
        if len(self.sites) < o.count:
            raise SystemExit(f"the plan has {len(self.sites)} sites from {o.first}, not {o.count}")
        first = Authorised(self.session(), self.sites[0]["token"])
        standard = first.get("/api/v1/standard/current/", name="setup: standard")
        standard.raise_for_status()
        self.criteria = phone.site_criteria(standard.json())
        self.with_photo = [c["key"] for c in self.criteria if c["photos_required"]][:PHOTOS_PER_SITE]
        width, height = map(int, o.photo_size.split("x"))
        # Made before the clock starts: making a JPEG costs the generator more than sending it.
        self.photos = [phone.photo(seed=s, size=(width, height)) for s in range(16)]
        REQUESTS.rows.clear()

    def session(self) -> FastHttpSession:
        return FastHttpSession(self.environment.host, self.environment.events.request, user=None,
                               network_timeout=120.0, connection_timeout=60.0)

    def one_site(self, n: int, site: dict, due: float, record: dict) -> None:
        raw = self.session()
        api = Authorised(raw, site["token"])
        step = "check: submit"
        try:
            check = phone.submit_check(api, "", site["code"], phone.check_body(self.criteria, site["timezone"]),
                                       named=True)
            for k in range(PHOTOS_PER_SITE):
                step = "photo"
                data = phone.unique(self.photos[(2 * n + k) % len(self.photos)], f"{site['code']}-{k}")
                criterion = self.with_photo[k % len(self.with_photo)]
                evidence = phone.attach_photo(api, "", check["id"], criterion, data, s3=raw, named=True)
                if evidence["status"] != "verified":
                    raise RuntimeError(f"photo {evidence['status']}: {evidence}")
            record["ok"] = True
        except Exception as error:  # noqa: BLE001 - every failure is counted and kept, by its step
            record["error"] = f"{step}: {type(error).__name__}: {str(error)[:200]}"
        record["done"] = time.perf_counter()
        record["ms"] = (record["done"] - due) * 1000

    def one_ping(self, n: int, site: dict, due: float, record: dict) -> None:
        api = Authorised(self.session(), site["token"])
        try:
            api.get("/api/v1/me/", name="baseline: GET /api/v1/me/").raise_for_status()
            record["ok"] = True
        except Exception as error:  # noqa: BLE001
            record["error"] = f"ping: {type(error).__name__}: {str(error)[:200]}"
        record["done"] = time.perf_counter()
        record["ms"] = (record["done"] - due) * 1000

    @task
    def arrivals(self):
        o = self.environment.parsed_options
        work = self.one_site if o.phase == "rush" else self.one_ping
        pool = Pool(o.max_in_flight)
        records, lateness = [], []
        start = time.perf_counter() + 0.2
        for n, site in enumerate(self.sites):
            due = start + n / o.rate
            wait = due - time.perf_counter()
            if wait > 0:
                gevent.sleep(wait)
            lateness.append(time.perf_counter() - due)
            record = {"due": due}
            records.append(record)
            if pool.full():
                record["error"] = "shed: the generator's bound of sites in flight was reached"
                continue
            pool.spawn(work, n, site, due, record)
        pool.join()
        finished = time.perf_counter()
        Path(o.out).write_text(json.dumps({
            "phase": o.phase, "rate": o.rate, "count": o.count, "start": start, "finished": finished,
            "sites": records, "lateness_max_ms": max(lateness) * 1000 if lateness else 0,
            "requests": REQUESTS.rows,
        }))
        self.environment.runner.quit()
        raise StopUser()
