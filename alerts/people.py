"""Who is told, as SQL: the recipients of every alert are computed in the statement that finds it.

The one place that says who a site's managers, a region's contact and head office are for the alerts
(CONTRACT18's fixed decisions): a site's managers are the people with the manager role and the site; the
region's contact is ``Region.contact`` when that person is active, else every head-office user; head office
is every active user whose role is head office, or a superuser (``sites.access.role_of`` counts a superuser
as head office). ``publish`` skips inactive users again; here an inactive contact falls back to head office
so that someone is still told.

Each is computed once per statement, as a CTE (``CTES``) joined to the rule's site row ``s`` (``JOINS``), not as a
subquery per row: per-row subqueries made PostgreSQL's estimate of a 5,000-site sweep large enough to switch on
JIT compilation, which cost seconds for a statement that runs in tens of milliseconds (bench/RESULTS-alerts.md).
The expressions (``MANAGERS`` ...) are ``int[]`` of user ids.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from sites.models import Profile, Region, Role, Site


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def ctes() -> str:
    """``head_office(ids)``, ``managers(site_id, ids)``, ``contacts(region_id, ids)``: WITH clauses."""
    user, profile = _t(get_user_model()), _t(Profile)
    return (
        f"head_office(ids) AS (SELECT ARRAY(SELECT u.id FROM {user} u LEFT JOIN {profile} p ON p.user_id = u.id "
        f"WHERE u.is_active AND (u.is_superuser OR p.role = '{Role.HEAD_OFFICE.value}') ORDER BY u.id)), "
        f"managers(site_id, ids) AS (SELECT ps.site_id, array_agg(p.user_id ORDER BY p.user_id) "
        f"FROM {_t(Profile.sites.through)} ps JOIN {profile} p ON p.id = ps.profile_id "
        f"AND p.role = '{Role.MANAGER.value}' GROUP BY ps.site_id), "
        f"contacts(region_id, ids) AS (SELECT r.id, array_remove(ARRAY[u.id], NULL) FROM {_t(Region)} r "
        f"LEFT JOIN {user} u ON u.id = r.contact_id AND u.is_active)"
    )


# Joined to a site row ``s``: the region's contact (``CONTACT``), and the site's managers too (``JOINS``).
CONTACT = "JOIN contacts k ON k.region_id = s.region_id"
JOINS = f"LEFT JOIN managers m ON m.site_id = s.id {CONTACT}"
# Head office, read only where needed: a statement whose regions all have a contact never lists head office.
HEAD_OFFICE = "(SELECT ids FROM head_office)"
# The site's managers (a reminder, an action due soon).
MANAGERS = "COALESCE(m.ids, '{}'::int[])"
# The region's contact, else every head-office user (a missed day, a critical failure, an overdue action).
CONTACT_OR_HEAD_OFFICE = f"(CASE WHEN cardinality(k.ids) > 0 THEN k.ids ELSE {HEAD_OFFICE} END)"
# Every head-office user and the region's contact (an escalated action).
HEAD_OFFICE_AND_CONTACT = f"({HEAD_OFFICE} || k.ids)"


def site_recipients(site_ids) -> dict[int, dict[str, list[int]]]:
    """For code that tells people about one thing at a time (a reviewed photo, an overdue retake): each site's
    ``managers`` and its ``contact`` (the region's contact, else every head-office user), by the statement's own
    expressions above, so that every notice follows one rule. One statement."""
    site_ids = sorted(set(site_ids))
    if not site_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes()} SELECT s.id, {MANAGERS}, {CONTACT_OR_HEAD_OFFICE} "
                       f"FROM {_t(Site)} s {JOINS} WHERE s.id = ANY(%s)", [site_ids])
        return {site: {"managers": list(managers), "contact": list(contact)}
                for site, managers, contact in cursor.fetchall()}
