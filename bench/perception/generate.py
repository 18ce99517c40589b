"""Add what customers meet to the bench franchise of bench/variance/generate.py (its sites, standard and 90 days
of self-checks, in the database DATABASE_URL): one audit per site per month observing all 40 criteria, and
BENCH_RESPONSES (50) feedback responses per site per day over 11 questions, bulk-loaded with SQL into
FeedbackResponse AND FeedbackDay (the day totals added up from the responses themselves, so the two agree).

Realism: a quarter of the sites are optimistic (their audits pass 25 points less often than their own checks
on the same criterion), the rest 5 points less; customer satisfaction follows the audits' pass probability,
with noise. Skipped when the data is already there (BENCH_REUSE of a database that has it).
"""

from __future__ import annotations

import os
import sys
import time

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection, transaction  # noqa: E402

RESPONSES = int(os.environ.get("BENCH_RESPONSES", 50))
STEP = 100  # sites per feedback statement (50 x 90 x 100 = 450,000 responses)

# The self-checks' pass probability of a site and criterion (bench/variance/generate.py's RESULTS_SQL); the
# audits' is lower by the site's optimism: 0.25 at every fourth site, 0.05 elsewhere. ("%%": the statements
# carry parameters.)
SELF_P = "(0.55 + 0.44 * (((a.site_id * 7919 + c.id * 104729) %% 1000) / 1000.0))"
OPTIMISM = "(CASE WHEN a.site_id %% 4 = 0 THEN 0.25 ELSE 0.05 END)"

AUDITS_SQL = """
INSERT INTO customer_audit (site_id, date, kind, version_id, submitted_by_id, performed_at, visited_at, received_at,
                            client_id, score, observed)
SELECT s.id, d::date, CASE WHEN s.id %% 5 = 0 THEN 'mystery_shop' ELSE 'audit' END, %(version)s, %(user)s,
       d + interval '15 hours', d + interval '14 hours', d + interval '16 hours', gen_random_uuid(), 0, 40
FROM sites_site s
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 month') m
CROSS JOIN LATERAL (SELECT m + ((s.id * 7) %% 28) * interval '1 day' AS d) x
WHERE d::date <= %(last)s
"""

AUDIT_RESULTS_SQL = f"""
INSERT INTO customer_auditresult (audit_id, criterion_id, value, note, met, passed, deviation)
SELECT a.id, c.id, CASE WHEN ok THEN 1 ELSE 0 END, '', ok, ok, CASE WHEN ok THEN 0 ELSE 1 END
FROM customer_audit a
CROSS JOIN consistency_criterion c
CROSS JOIN LATERAL (SELECT random() < {SELF_P} - {OPTIMISM} AS ok) r
WHERE c.version_id = %(version)s
"""

AUDIT_SCORES_SQL = """
UPDATE customer_audit a SET score = r.score
FROM (SELECT audit_id, avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) AS score FROM customer_auditresult
      GROUP BY audit_id) r
WHERE r.audit_id = a.id
"""

# Question n of a response: n %% 11 (0: the overall question, mapped to nothing; 1-5 touch points tp0..tp4;
# 6-10 criteria tp5_c0..tp9_c0). Scores 0-10 around the site's audit quality, with noise.
FEEDBACK_SQL = """
INSERT INTO customer_feedbackresponse (site_id, date, channel, question_id, scale, score, normalized, comment,
                                       response_id, received_at)
SELECT s.id, d::date, 'survey', (%(questions)s::bigint[])[1 + n %% 11], '0-10', sc, sc / 10.0, '', '',
       d + interval '20 hours'
FROM sites_site s
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
CROSS JOIN generate_series(1, %(responses)s) n
CROSS JOIN LATERAL (SELECT least(10, greatest(0, round(10 * (0.8 - CASE WHEN s.id %% 4 = 0 THEN 0.2 ELSE 0 END)
                                                       + (random() - 0.5) * 8 + 0 * n))) AS sc) x
WHERE s.id BETWEEN %(lo)s AND %(hi)s
"""

FEEDBACK_DAYS_SQL = """
INSERT INTO customer_feedbackday (site_id, date, question_id, responses, satisfied, normalized_sum, normalized_sq_sum)
SELECT site_id, date, question_id, count(*), count(*) FILTER (WHERE normalized >= 0.75), sum(normalized),
       sum(normalized * normalized)
FROM customer_feedbackresponse WHERE site_id BETWEEN %(lo)s AND %(hi)s
GROUP BY site_id, date, question_id
"""


def questions() -> list[int]:
    from customer.models import FeedbackQuestion

    specs = [("overall", "", "")] + [(f"tp{t}", f"tp{t}", "") for t in range(5)] + [
        (f"tp{t}_c0", f"tp{t}", f"tp{t}_c0") for t in range(5, 10)]
    return [FeedbackQuestion.objects.get_or_create(key=key, defaults={
        "text": f"Question {key}", "touch_point_key": tp, "criterion_key": criterion})[0].pk
        for key, tp, criterion in specs]


def generate() -> None:
    from django.contrib.auth import get_user_model

    from consistency.models import StandardVersion
    from customer.models import Audit, FeedbackDay

    if Audit.objects.exists() and FeedbackDay.objects.exists():
        print("audits and feedback already there: kept")
        return
    with connection.cursor() as cur:
        cur.execute("SELECT min(date), max(date), min(site_id), max(site_id) FROM consistency_dailycheck")
        first, last, lo, hi = cur.fetchone()
    version = StandardVersion.objects.get(status="published").pk
    user = get_user_model().objects.get(username="bench").pk
    params = {"version": version, "user": user, "first": first, "last": last,
              "questions": questions(), "responses": RESPONSES}
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(AUDITS_SQL, params)
        cur.execute(AUDIT_RESULTS_SQL, params)
        cur.execute(AUDIT_SCORES_SQL)
    t1 = time.perf_counter()
    print(f"audits: {Audit.objects.count():,} in {t1 - t0:.1f} s")
    for start in range(lo, hi + 1, STEP):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(FEEDBACK_SQL, {**params, "lo": start, "hi": start + STEP - 1})
            cur.execute(FEEDBACK_DAYS_SQL, {"lo": start, "hi": start + STEP - 1})
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM customer_feedbackresponse")
        responses = cur.fetchone()[0]
    print(f"feedback: {responses:,} responses, {FeedbackDay.objects.count():,} days in {time.perf_counter() - t1:.1f} s")


if __name__ == "__main__":
    generate()
