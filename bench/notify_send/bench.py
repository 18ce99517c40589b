"""10,000 notices through a real worker that is SIGKILLed halfway, one command: bench/notify_send/run.sh

In the bench database (DATABASE_URL, made by run.sh): one site and 1,000 people with addresses (one in five reads
French), and 10,000 notices (10 each) stored by one ``publish()`` call, which queues 100 tasks of 100 notices on
the bench's own queue. An SMTP sink (aiosmtpd, its own process, on loopback) writes a line per message it accepts:
the notice's id (the X-Touchpoint-Notice header) or "-" for a baseline message. Then, in the same run:

- ``baseline``: the same 10,000 messages, each rendered by the same templates in its reader's language
  (``render_notice``) and sent by one plain loop of ``send_mail`` over one SMTP connection, in this process: no
  queue, no claims, no status written. Messages per second. Half is sent before the worker's run and half after
  it, so that a drift of the (shared) machine's load weighs on both sides.
- ``worker``: ``celery worker --pool prefork --concurrency 2`` on the queue. When the sink has 5,000 of the
  notices (then after a random 0-100 ms, or at once with BENCH_KILL=accept: aimed at the double window), the worker
  and its pool are SIGKILLed together (nothing acks, nothing is recorded) and a new worker is started. Once its queue is empty and nothing moves, the sweep runs as its schedule would later on
  (``requeue_unsent`` with its window ending at the moment of the kill, so that it takes over exactly the dead
  worker's claims and re-queues the notices whose messages died with it). The run ends when every notice is sent.

Counted at the sink: notices received (none lost: 10,000 distinct ids), doubles (ids received twice) and which;
in the database: every notice ``sent`` once. Throughput: the worker's rate before the kill and overall (kill,
restart and sweep included) as ratios to the baseline's. The double window is estimated from the measured time
of the UPDATE that records a send, against a worker process's time per message. Writes bench/RESULTS-notify.md.
"""

from __future__ import annotations

import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS-notify.md"
NOTICES = int(os.environ.get("BENCH_NOTICES", "10000"))
PEOPLE = 1000
CONCURRENCY = 2
# When the worker is killed once the sink has half the notices: "random" (after a random delay of 0-100 ms: a
# moment unrelated to any one message) or "accept" (at once: a few milliseconds after an acceptance, i.e. aimed
# at the double window).
KILL = os.environ.get("BENCH_KILL", "random")


# --- the sink (its own process) ----------------------------------------------------------------------------------

def sink(port: int, path: str) -> None:
    """aiosmtpd on 127.0.0.1:port; one line per accepted message, flushed at once."""
    from aiosmtpd.controller import Controller

    out = open(path, "a", buffering=1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            content = envelope.original_content or envelope.content
            at = content.find(b"X-Touchpoint-Notice: ")
            out.write((content[at + 21:content.find(b"\r\n", at)].decode() if at >= 0 else "-") + "\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


# --- the driver ---------------------------------------------------------------------------------------------------

def _setup():
    # This script's folder first on the path would make ``bench`` this file, not the folder of the benches (whose
    # notify_send.settings the settings module is).
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    import django

    django.setup()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tail:
    """Counts the sink's notice lines as they come, reading only what was added since the last call (the driver
    must not take the CPU the workers need)."""

    def __init__(self, path: Path):
        self.path, self.offset, self.count, self.partial = path, 0, 0, b""

    def notices(self) -> int:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        self.offset += len(chunk)
        *complete, self.partial = (self.partial + chunk).split(b"\n")
        self.count += sum(1 for line in complete if line and line != b"-")
        return self.count


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def seed() -> dict:
    import datetime as dt

    from django.contrib.auth.models import User

    from notify.events import Event
    from notify.services.publish import Occurrence, publish
    from sites.models import Profile, Region, Role, Site

    region = Region.objects.create(code="bench", name="Bench")
    site = Site.objects.create(code="B-01", name="Bench & Sons", region=region, timezone="Pacific/Auckland",
                               opened_on=dt.date(2026, 1, 1))
    users = User.objects.bulk_create([User(username=f"manager{i:04d}", email=f"manager{i:04d}@example.com",
                                           first_name=f"M{i}", password="!") for i in range(PEOPLE)])
    Profile.objects.bulk_create([Profile(user=u, role=Role.MANAGER, language="fr" if i % 5 == 0 else "")
                                 for i, u in enumerate(users)])
    per_person = NOTICES // PEOPLE
    occurrences = [Occurrence(event=Event.CHECK_MISSED, key=f"B-01:2026-11-{day + 1:02d}", recipients=[u.pk for u in users],
                              data={"date": f"2026-11-{day + 1:02d}"}, site_id=site.pk, link="/app/sites/B-01/")
                   for day in range(per_person)]
    started = time.perf_counter()
    published = publish(occurrences)  # commits (autocommit): the 100 tasks are on the queue
    seconds = time.perf_counter() - started
    assert len(published.notices) == NOTICES, len(published.notices)
    return {"publish_seconds": seconds, "ids": published.notices}


def baseline(ids: list[int]) -> dict:
    from django.conf import settings
    from django.core.mail import get_connection, send_mail

    from notify.models import Notice
    from notify.services.messages import render_notice

    notices = list(Notice.objects.filter(id__in=ids).select_related("recipient__profile", "site").order_by("id"))
    connection = get_connection()
    connection.open()
    started = time.perf_counter()
    for notice in notices:
        rendered = render_notice(notice)
        send_mail(rendered.subject, rendered.body, settings.DEFAULT_FROM_EMAIL, [notice.recipient.email],
                  connection=connection)
    seconds = time.perf_counter() - started
    # The time a reply takes to come back on this connection: half a NOOP's round trip is how long the server's
    # "250 OK" for a message takes to reach the worker (part of the double window, before the UPDATE).
    rtt_started = time.perf_counter()
    for _ in range(200):
        connection.connection.noop()
    rtt = (time.perf_counter() - rtt_started) / 200
    connection.close()
    return {"seconds": seconds, "messages": len(notices), "smtp_round_trip": rtt}


def update_seconds(ids: list[int], *, quick: bool, samples: int = 500) -> float:
    """The mean time of the conditional UPDATE that records a send, as sending.py runs it (one row, committed; with
    ``quick``, under synchronous_commit off as sending.py sets it): ``samples`` notices are put in ``sending`` as a
    claim would, marked sent one by one (timed), then put back to pending, as they were, before any worker starts."""
    from django.db import connection
    from django.utils import timezone

    from notify.models import Notice, NoticeStatus

    now = timezone.now()
    chosen = ids[:samples]
    Notice.objects.filter(id__in=chosen).update(status=NoticeStatus.SENDING, claimed_at=now)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off" if quick else "RESET synchronous_commit")
    started = time.perf_counter()
    for notice_id in chosen:
        Notice.objects.filter(pk=notice_id, status=NoticeStatus.SENDING, claimed_at=now).update(
            status=NoticeStatus.SENT, sent_at=now, error="")
    seconds = (time.perf_counter() - started) / len(chosen)
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")
    Notice.objects.filter(id__in=chosen).update(status=NoticeStatus.PENDING, claimed_at=None, sent_at=None)
    return seconds


class Worker:
    def __init__(self, name: str, env: dict, log: Path):
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "prefork", "-c", str(CONCURRENCY),
             "-Q", env["BENCH_QUEUE"], "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return time.perf_counter()
            if self.proc.poll() is not None:
                sys.exit(f"worker exited:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.05)
        sys.exit(f"worker not ready:\n{self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def queue_length(queue: str) -> int:
    from backend.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen(queue)


def forget_queue(queue: str) -> int:
    """Remove what this run left in Redis: its queue, and the killed worker's unacknowledged messages (which Redis
    would hand back to the queue after the visibility timeout). Only this queue's entries."""
    from backend.celery import app

    removed = 0
    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        for tag, raw in client.hscan_iter("unacked"):
            try:
                routing_key = json.loads(raw)[2]
            except (ValueError, IndexError):
                continue
            if routing_key == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
                removed += 1
        client.delete(queue)
    return removed


def run_worker(ids: list[int], sink_file: Path, port: int, queue: str, workdir: Path) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from notify.models import Notice, NoticeStatus
    from notify.services.sweep import requeue_unsent

    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "BENCH_QUEUE": queue}
    wanted = {str(i) for i in ids}
    first = Worker("first", env, workdir / "worker-1.log")
    tail = Tail(sink_file)
    try:
        started = first.wait_ready()
        while tail.notices() < NOTICES // 2:
            time.sleep(0.01)
        if KILL == "random":
            # A kill at a random moment of the workers' cycle, not right after an acceptance (which is where the
            # double window is): a random delay of up to a few messages' time.
            time.sleep(random.uniform(0, 0.1))
        at_kill_sent = tail.notices()
        killed_at_wall = timezone.now()
        first.kill()
        killed = time.perf_counter()
    finally:
        first.stop()  # if anything above failed: no worker is left running
    before_kill_rate = at_kill_sent / (killed - started)
    states = dict(Notice.objects.values_list("status").annotate(n=Count("id")))
    second = Worker("second", env, workdir / "worker-2.log")
    restarted = second.wait_ready()
    try:
        # Drain: the queue empty and no send recorded for 2 s.
        last, still = -1, time.perf_counter()
        while True:
            sent = Notice.objects.filter(status=NoticeStatus.SENT).count()
            if sent != last:
                last, still = sent, time.perf_counter()
            if sent == NOTICES or (queue_length(queue) == 0 and time.perf_counter() - still > 2):
                break
            time.sleep(0.2)
        drained = time.perf_counter()
        swept = None
        if last < NOTICES:
            # The sweep, as it runs later on its schedule: its window ends at the kill, so every claim older than
            # that is the dead worker's, and every notice pending since before it lost its message with it.
            swept = requeue_unsent(now=killed_at_wall, stale_seconds=0)
        deadline = time.monotonic() + 120
        while Notice.objects.filter(status=NoticeStatus.SENT).count() < NOTICES and time.monotonic() < deadline:
            time.sleep(0.1)
        finished = time.perf_counter()
        time.sleep(1.0)  # anything still on its way reaches the sink
    finally:
        second.stop()
    received = [line for line in lines(sink_file) if line in wanted]
    counts = Counter(received)
    final = dict(Notice.objects.values_list("status").annotate(n=Count("id")))
    return {
        "started_to_kill_seconds": killed - started, "sent_at_kill": at_kill_sent, "before_kill_rate": before_kill_rate,
        "states_at_kill": states, "restart_seconds": restarted - killed, "drain_seconds": drained - restarted,
        "swept": {"notices": len(swept.notices), "taken_over": swept.taken_over} if swept else None,
        "total_seconds": finished - started, "received": len(received), "distinct": len(counts),
        "lost": sorted(wanted - set(counts), key=int)[:20], "lost_count": len(wanted - set(counts)),
        "doubled": sorted((i for i, n in counts.items() if n > 1), key=int),
        "final_states": final,
        "after_restart_rate": (NOTICES - at_kill_sent) / (finished - restarted) if finished > restarted else None,
    }


def main() -> None:
    _setup()
    from django.conf import settings

    queue = settings.CELERY_TASK_DEFAULT_QUEUE + "-" + uuid.uuid4().hex[:8]
    os.environ["BENCH_QUEUE"] = queue
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    from backend.celery import app

    app.conf.task_default_queue = queue
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-notify-"))
    sink_file = workdir / "sink.txt"
    port = free_port()
    sink_proc = subprocess.Popen([sys.executable, __file__, "--sink", str(port), str(sink_file)], cwd=ROOT)
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        time.sleep(1.0)
        print(f"seeding {PEOPLE} people and publishing {NOTICES:,} notices", flush=True)
        seeded = seed()
        print(f"  publish() {seeded['publish_seconds']:.2f} s; queued {queue_length(queue)} tasks", flush=True)
        # The baseline in two halves, one before the worker's run and one after it: the machine's load drifts (it
        # is shared), and the worker's run sits between the two.
        half = len(seeded["ids"]) // 2
        before = baseline(seeded["ids"][:half])
        print(f"baseline, first half: {before['messages']:,} messages in {before['seconds']:.1f} s", flush=True)
        update = update_seconds(seeded["ids"], quick=True)
        update_flushed = update_seconds(seeded["ids"], quick=False)
        worker = run_worker(seeded["ids"], sink_file, port, queue, workdir)
        print(json.dumps(worker, default=str), flush=True)
        after = baseline(seeded["ids"][half:])
        print(f"baseline, second half: {after['messages']:,} messages in {after['seconds']:.1f} s", flush=True)
        base = {"seconds": before["seconds"] + after["seconds"], "messages": before["messages"] + after["messages"],
                "before": before, "after": after,
                "smtp_round_trip": (before["smtp_round_trip"] + after["smtp_round_trip"]) / 2}
        assert lines(sink_file).count("-") == NOTICES
        left = forget_queue(queue)
    finally:
        sink_proc.send_signal(signal.SIGTERM)
        sink_proc.wait(timeout=10)
    write_results(seeded, base, update, update_flushed, worker, left)
    for leftover in workdir.glob("*"):
        leftover.unlink()
    workdir.rmdir()


KILL_SAID = {
    "random": "at a random moment (0-100 ms after the sink had half the notices; BENCH_KILL=random)",
    "accept": "aimed at the window (within milliseconds of the sink accepting its 5,000th message; BENCH_KILL=accept)",
}


def write_results(seeded: dict, base: dict, update: float, update_flushed: float, worker: dict, left: int) -> None:
    base_rate = base["messages"] / base["seconds"]
    overall_rate = NOTICES / worker["total_seconds"]
    per_message = CONCURRENCY / worker["before_kill_rate"]  # one process's time per message
    reply = base["smtp_round_trip"] / 2
    window = reply + update
    expected = CONCURRENCY * window / per_message
    load = os.getloadavg()[0]
    doubled = worker["doubled"]
    expected_flushed = CONCURRENCY * (reply + update_flushed) / per_message
    raw = {"publish_seconds": seeded["publish_seconds"], "baseline": base, "update_seconds": update,
           "update_seconds_flushed": update_flushed,
           "worker": worker, "unacked_removed": left}
    verdict_lost = "**none lost**" if worker["lost_count"] == 0 else f"**{worker['lost_count']} lost**"
    verdict_doubled = ("**none doubled**" if not doubled else
                       f"**{len(doubled)} doubled** (notice{'s' if len(doubled) > 1 else ''} "
                       f"{', '.join(doubled)})")
    text = f"""# Notify: 10,000 notices through a worker killed halfway

Run: `bench/notify_send/run.sh` (PostgreSQL and Redis on 127.0.0.1, Python {platform.python_version()}, {os.cpu_count()} CPUs,
load average at the end {load:.1f}). Generated {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.

{NOTICES:,} notices (1,000 people, one in five reading French; the text of `check.missed` from its template,
in the reader's language) stored by one `publish()` call ({seeded['publish_seconds']:.2f} s, two SQL statements) and
queued as 100 tasks of 100. An SMTP sink (aiosmtpd, its own process on loopback) counts what it accepts by the
notice's id. The worker is `celery worker --pool prefork --concurrency 2`, SIGKILLed with its pool when the sink
had half the notices, {KILL_SAID[KILL]}, then restarted; the sweep (`notify.requeue_unsent`) then ran as its schedule would, its
window ending at the kill.

| | messages | seconds | messages/s | vs baseline |
| --- | ---: | ---: | ---: | ---: |
| baseline: one loop of `send_mail` over one SMTP connection (same rendering, no queue, no claims), half before the worker's run and half after | {base['messages']:,} | {base['seconds']:.1f} | {base_rate:,.0f} (halves: {base['before']['messages'] / base['before']['seconds']:,.0f} and {base['after']['messages'] / base['after']['seconds']:,.0f}) | 1.00x |
| worker, start to the kill | {worker['sent_at_kill']:,} | {worker['started_to_kill_seconds']:.1f} | {worker['before_kill_rate']:,.0f} | {worker['before_kill_rate'] / base_rate:.2f}x |
| worker, whole run (kill, {worker['restart_seconds']:.1f} s restart, sweep included) | {NOTICES:,} | {worker['total_seconds']:.1f} | {overall_rate:,.0f} | {overall_rate / base_rate:.2f}x |

Result: {verdict_lost}, {verdict_doubled}. The sink received {worker['received']:,} notice messages,
{worker['distinct']:,} distinct; every notice ends `sent` in the database ({worker['final_states']}).
At the kill the database held {worker['states_at_kill']}; the sweep took over {(worker['swept'] or {}).get('taken_over', 0)}
claims of the dead worker and queued {(worker['swept'] or {}).get('notices', 0)} notices again (those claimed and those whose
task was held by the dead worker, unacknowledged).

## The double window, in numbers

A notice is sent twice only if its worker dies after the SMTP server has accepted it and before the UPDATE that
records it commits (sending.py marks each notice as soon as it is accepted, so at most one message per worker
process is ever in that window). The window is the server's "250 OK" on its way back (half an SMTP round trip:
{reply * 1000:.2f} ms, from 200 NOOPs on the baseline's connection) plus that UPDATE, which commits with
`synchronous_commit` off (sending.py, for the chunk's records only): {update * 1000:.2f} ms on average here (500
runs), against {update_flushed * 1000:.2f} ms waiting for the WAL flush as a default commit does
({expected_flushed:.2f} doubles per kill expected with it). So {window * 1000:.2f} ms, while one worker process spends
{per_message * 1000:.1f} ms per message ({CONCURRENCY} processes at {worker['before_kill_rate']:,.0f} messages/s): a
kill at a random moment catches a given process in the window with probability about {window * 1000:.2f} /
{per_message * 1000:.1f} = {window / per_message:.1%}, so **{expected:.2f} doubles expected per kill** of a
{CONCURRENCY}-process worker. Observed here: {len(doubled)}, the kill being {KILL_SAID[KILL]}. On a machine this
loaded (every step waits for a CPU) the window is wider than it would be on an idle one, and the estimate is a
mean: a process descheduled between the reply and the UPDATE stretches it. The copies carry the same Message-ID
(`notice-<id>@host`), which mail clients and many servers use to drop the second. The alternative (never taking a
stale claim over) would turn each of those rare doubles into a notice never sent, and every other claim of a dead
worker (here {worker['states_at_kill'].get('sending', 0)} at the kill) into a loss too.

Raw figures:

```
{json.dumps(raw, default=str)}
```
"""
    RESULTS.write_text(text)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--sink":
        sink(int(sys.argv[2]), sys.argv[3])
    else:
        main()
