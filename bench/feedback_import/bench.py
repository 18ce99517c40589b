"""The CSV import of customer feedback against PostgreSQL's own COPY, one command: bench/feedback_import/run.sh

In the bench database (DATABASE_URL, made by run.sh): 500 sites, 5 survey questions and a head-office user. For
each size in BENCH_ROWS (100,000 and 1,000,000), a survey export is generated (site, date, score, scale,
channel, question, comment, response_id; 1 row in 1,000 names an unknown site, 1 in 10 carries a comment, half
answer a question). Then, in the same run and each in a fresh process:

- ``import``: ``manage.py import_feedback FILE`` (call_command, every bad row printed to /dev/null): the one
  import service, validating every row, inserting batches through the one writer with their FeedbackDay totals.
  Wall time, rows/s, and the process's peak RSS above where it stood before the import (VmHWM reset first).
  Afterwards the stored rows and FeedbackDay totals are checked against each other and against the file.
- ``copy``: the same file streamed by ``COPY scratch FROM STDIN (FORMAT csv, HEADER)`` into a scratch table of
  the file's columns (text, date, float: no validation, no index, no totals): the fastest a row gets into
  PostgreSQL. Wall time, rows/s.

The tables are emptied between sizes; the scratch table is dropped. Writes bench/RESULTS-feedback.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS-feedback.md"
SIZES = [int(n) for n in os.environ.get("BENCH_ROWS", "100000,1000000").split(",")]
SITES = 500
QUESTIONS = ["greeted", "clean", "waited", "staff", "overall_visit"]
HEADER = "site,date,score,scale,channel,question,comment,response_id\n"


# --- children ---------------------------------------------------------------------------------------

def _setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _status(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(name)


def child_prepare() -> dict:
    _setup()
    from django.contrib.auth.models import User

    from customer.models import FeedbackQuestion
    from sites.models import Profile, Region, Role, Site

    region = Region.objects.create(code="bench", name="Bench")
    Site.objects.bulk_create([Site(code=f"S{i:04d}", name=f"Site {i}", region=region, timezone="UTC",
                                   opened_on=dt.date(2025, 1, 1)) for i in range(SITES)])
    user = User.objects.create(username="bench")
    Profile.objects.create(user=user, role=Role.HEAD_OFFICE)
    FeedbackQuestion.objects.bulk_create([FeedbackQuestion(key=k, text=k) for k in QUESTIONS])
    return {"sites": SITES}


def child_import(path: str) -> dict:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    connection.ensure_connection()
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("import_feedback", path, "--user", "bench", stdout=devnull, stderr=devnull)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT batch) FROM customer_feedbackresponse")
        stored, batches = cursor.fetchone()
        cursor.execute("SELECT coalesce(sum(responses), 0), coalesce(sum(satisfied), 0), "
                       "coalesce(sum(normalized_sum), 0) FROM customer_feedbackday")
        day_rows, day_satisfied, day_sum = cursor.fetchone()
        cursor.execute("SELECT count(*) FILTER (WHERE normalized >= 0.75), coalesce(sum(normalized), 0) "
                       "FROM customer_feedbackresponse")
        satisfied, total = cursor.fetchone()
    return {"seconds": seconds, "rss_before": before, "rss_peak": peak, "stored": stored, "batches": batches,
            "days_agree": day_rows == stored and day_satisfied == satisfied and abs(day_sum - total) < 1e-6 * stored}


def child_copy(path: str) -> dict:
    _setup()
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_feedback_copy")
        cursor.execute("CREATE TABLE bench_feedback_copy (site text, date date, score float8, scale text, "
                       "channel text, question text, comment text, response_id text)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY bench_feedback_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
    seconds = time.perf_counter() - started  # autocommit: the COPY is committed when it returns
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_feedback_copy")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_feedback_copy")
    return {"seconds": seconds, "copied": copied}


def child_empty() -> dict:
    _setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE customer_feedbackday, customer_feedbackresponse")
        cursor.execute("VACUUM ANALYZE customer_feedbackresponse")
    return {}


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the export ---------------------------------------------------------------------------------------

def generate(path: Path, rows: int) -> tuple[int, int]:
    """A survey export of ``rows`` rows; answers (bytes, bad rows)."""
    rng = random.Random(rows)
    last = dt.date.today() - dt.timedelta(days=2)
    days = [(last - dt.timedelta(days=d)).isoformat() for d in range(90)]
    comments = ["Friendly staff, quick service", "Waited too long at the counter", '"Spotless", said my son',
                "Could not find a parking space"]
    bad = 0
    with path.open("w", newline="") as out:
        out.write(HEADER)
        lines = []
        for n in range(rows):
            if n % 1000 == 999:
                site = "NOPE"
                bad += 1
            else:
                site = f"S{rng.randrange(SITES):04d}"
            if rng.random() < 0.8:
                scale, score = "0-10", rng.choices(range(11), weights=[1, 1, 1, 1, 2, 3, 4, 6, 9, 8, 6])[0]
            else:
                scale, score = "1-5", rng.choices(range(1, 6), weights=[1, 2, 4, 7, 6])[0]
            question = rng.choice(QUESTIONS) if rng.random() < 0.5 else ""
            comment = rng.choice(comments) if rng.random() < 0.1 else ""
            if comment:
                comment = '"' + comment.replace('"', '""') + '"'
            channel = "sms" if n % 3 else "email"
            lines.append(f"{site},{rng.choice(days)},{score},{scale},{channel},{question},{comment},r{n:08d}\n")
            if len(lines) == 10_000:
                out.writelines(lines)
                lines = []
        out.writelines(lines)
    return path.stat().st_size, bad


# --- the run ------------------------------------------------------------------------------------------

def main() -> None:
    print("preparing the bench database", flush=True)
    run_child("prepare")
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-feedback-"))
    results = {}
    try:
        for rows in SIZES:
            path = workdir / f"export-{rows}.csv"
            size, bad = generate(path, rows)
            print(f"{rows:,} rows: {size / 1e6:.1f} MB, {bad} bad", flush=True)
            run_child("empty")
            imported = run_child("import", str(path))
            print(f"  import_feedback {imported['seconds']:.1f} s", flush=True)
            copied = run_child("copy", str(path))
            print(f"  COPY {copied['seconds']:.2f} s", flush=True)
            assert imported["stored"] == rows - bad, imported
            assert imported["days_agree"], imported
            assert copied["copied"] == rows, copied
            results[rows] = {"bytes": size, "bad": bad, "import": imported, "copy": copied}
            path.unlink()
        run_child("empty")
    finally:
        for leftover in workdir.glob("*"):
            leftover.unlink()
        workdir.rmdir()
    write(results)


def write(results: dict) -> None:
    mb = 1024 * 1024
    lines = [
        "# Feedback: the CSV import against PostgreSQL's COPY",
        "",
        f"Run: `bench/feedback_import/run.sh` (PostgreSQL on 127.0.0.1, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}). Generated "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "Each figure is one fresh process. **import** is `manage.py import_feedback FILE` (every row validated by "
        "the rules of `POST /api/v1/feedback/`, batches of 5,000 rows stored by one INSERT each with their "
        "FeedbackDay totals, bad rows reported); **COPY** is the same file streamed into a scratch table of its "
        "columns by `COPY ... FROM STDIN (FORMAT csv)`, no validation, no index, no totals: the fastest a row "
        "gets into PostgreSQL. Throughput is stated as a ratio to COPY's in the same run.",
        "",
        "| rows | file | import | import rows/s | COPY | COPY rows/s | import / COPY throughput | peak RSS above start |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rows, r in results.items():
        imp, cp = r["import"], r["copy"]
        ips, cps = rows / imp["seconds"], rows / cp["seconds"]
        lines.append(f"| {rows:,} | {r['bytes'] / mb:.1f} MB | {imp['seconds']:.1f} s | {ips:,.0f} | "
                     f"{cp['seconds']:.2f} s | {cps:,.0f} | {ips / cps:.3f}x | "
                     f"{(imp['rss_peak'] - imp['rss_before']) / mb:.1f} MB |")
    if len(results) >= 2:
        small, large = min(results), max(results)
        growth = {n: results[n]["import"]["rss_peak"] - results[n]["import"]["rss_before"] for n in (small, large)}
        ratio = growth[large] / max(growth[small], 1)
        verdict = "flat" if ratio < 1.5 else "**not flat**"
        lines += ["", f"Memory: {large // small}x the rows, {ratio:.2f}x the peak RSS growth ({growth[small] / mb:.1f} "
                      f"MB at {small:,} rows, {growth[large] / mb:.1f} MB at {large:,}): {verdict}. The file is read as "
                      "a stream, one batch of rows is held at a time, and only the first 200 problems are kept (the "
                      "command prints each as it is found)."]
    lines += ["", "Checked after each import: the stored rows are the file's good rows (1 in 1,000 names an unknown "
                  "site and is refused), and FeedbackDay's responses, satisfied counts and normalized sums equal those "
                  "of the stored rows.", "", "Raw runs (bytes, seconds):", "", "```",
              json.dumps({str(k): v for k, v in results.items()}), "```", ""]
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        name, args = sys.argv[2], sys.argv[3:]
        answer = {"prepare": child_prepare, "import": child_import, "copy": child_copy, "empty": child_empty}[name](*args)
        print(json.dumps(answer))
    else:
        main()
