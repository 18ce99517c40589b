"""Generate the alerts' benchmark network in the bench database (DATABASE_URL): SITES sites in eight time zones
(from UTC-10 to UTC+13, so that at any instant some are past their cutoff and some are not), twenty regions
(half with a head-office contact), a manager per site, ten head-office people, the sites' own checks of the last
four UTC days (70% of site-days; a few of them a department's, which do not count), and two corrective actions
per site with due days from a week ago to three days ahead (85% open). Written by PostgreSQL's generate_series
in a few statements: seconds, not minutes.
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

SITES = int(os.environ.get("BENCH_SITES", 5000))
ZONES = ["Pacific/Honolulu", "America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Paris",
         "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland"]


def standard() -> None:
    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document
    from tests.factories import small_standard_doc

    version = services.version_create_from_document(doc=parse_document(small_standard_doc()))
    services.version_publish(version=version, effective_from=__import__("datetime").date(2026, 1, 1))


STATEMENTS = [
    # Head office: ten people; the first is a superuser.
    """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                              date_joined)
       SELECT '!', g = 1, 'hq.' || g, 'HQ', g::text, 'hq.' || g || '@example.com', g = 1, true, now()
       FROM generate_series(1, 10) g""",
    """INSERT INTO sites_profile (user_id, role, language) SELECT id, 'head_office', '' FROM auth_user
       WHERE username LIKE 'hq.%%'""",
    # Twenty regions; the even ones have a contact.
    """INSERT INTO sites_region (code, name, contact_id)
       SELECT 'r' || g, 'Region ' || g, CASE WHEN g %% 2 = 0 THEN (SELECT id FROM auth_user
              WHERE username = 'hq.' || (1 + g %% 10)) END FROM generate_series(1, 20) g""",
    """INSERT INTO sites_site (code, name, region_id, timezone, active, opened_on, check_cutoff)
       SELECT 'S' || lpad(g::text, 5, '0'), 'Site ' || g, (SELECT id FROM sites_region WHERE code = 'r' || (1 + g %% 20)),
              (%(zones)s::text[])[1 + g %% 8], g %% 50 <> 0, current_date - 30,
              make_time(9 + g %% 3, 0, 0)
       FROM generate_series(1, %(sites)s) g""",
    # A manager per site (and a second one for every tenth site).
    """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                              date_joined)
       SELECT '!', false, 'manager.' || lower(s.code) || '.' || k, 'Manager', s.code, lower(s.code) || k || '@example.com',
              false, true, now()
       FROM sites_site s CROSS JOIN generate_series(1, 2) k WHERE k = 1 OR s.id %% 10 = 0""",
    """INSERT INTO sites_profile (user_id, role, language) SELECT id, 'manager', '' FROM auth_user
       WHERE username LIKE 'manager.%%'""",
    """INSERT INTO sites_profile_sites (profile_id, site_id)
       SELECT p.id, s.id FROM sites_profile p JOIN auth_user u ON u.id = p.user_id AND p.role = 'manager'
       JOIN sites_site s ON s.code = u.last_name""",
    # The sites' own checks of the last four UTC days, 70% of site-days.
    """INSERT INTO consistency_dailycheck (site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                          client_id, late, is_current, amendment_reason, score)
       SELECT s.id, d::date, (SELECT id FROM consistency_standardversion LIMIT 1), (SELECT id FROM auth_user
              WHERE username = 'hq.1'), d + interval '9 hours', d + interval '9 hours', gen_random_uuid(), false,
              true, '', 0.8
       FROM sites_site s CROSS JOIN generate_series(current_date - 3, current_date, interval '1 day') d
       WHERE random() < 0.7""",
    # Two corrective actions per site that has a check, on its critical criteria, due from a week ago to three
    # days ahead; 85% open.
    """INSERT INTO consistency_correctiveaction (site_id, daily_check_id, criterion_id, opened_at, due_on, status,
                                                resolved_at, resolution_note)
       SELECT c.site_id, c.id, k.id, c.received_at, current_date + (floor(random() * 11) - 7)::int,
              CASE WHEN random() < 0.85 THEN 'open' ELSE 'resolved' END, NULL, ''
       FROM (SELECT DISTINCT ON (site_id) * FROM consistency_dailycheck ORDER BY site_id, date) c
       CROSS JOIN (SELECT id FROM consistency_criterion WHERE critical) k""",
    "UPDATE consistency_correctiveaction SET resolved_at = opened_at + interval '1 day' WHERE status = 'resolved'",
    "ANALYZE",
]


def main() -> None:
    started = time.perf_counter()
    with transaction.atomic():
        standard()
        with connection.cursor() as cursor:
            for sql in STATEMENTS[:-1]:
                cursor.execute(sql, {"zones": ZONES, "sites": SITES})
    with connection.cursor() as cursor:
        cursor.execute(STATEMENTS[-1])
        cursor.execute("SELECT (SELECT count(*) FROM sites_site), (SELECT count(*) FROM consistency_dailycheck), "
                       "(SELECT count(*) FROM consistency_correctiveaction), (SELECT count(*) FROM auth_user)")
        sites, checks, actions, users = cursor.fetchone()
    print(f"generated {sites} sites, {checks} checks, {actions} actions, {users} people "
          f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
