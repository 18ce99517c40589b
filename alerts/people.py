"""Who is told, as SQL: the recipients of every alert are computed in the statement that finds it.

The one place that says who a site's managers, a region's contact and head office are for the alerts
(CONTRACT18's fixed decisions): a site's managers are the people with the manager role and the site; the
region's contact is ``Region.contact`` when that person is active, else every head-office user; head office
is every active user whose role is head office, or a superuser (``sites.access.role_of`` counts a superuser
as head office). ``publish`` skips inactive users again; here an inactive contact falls back to head office
so that someone is still told.

Each fragment is an expression of a ``bigint[]`` of user ids over a site row ``s`` (and, for the contact, its
region row ``r``), to be used in the SELECT list of a rule's statement.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection

from sites.models import Profile, Role


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def head_office_sql() -> str:
    """Every head-office user's id, in id order."""
    return (f"ARRAY(SELECT u.id FROM {_t(get_user_model())} u LEFT JOIN {_t(Profile)} p ON p.user_id = u.id "
            f"WHERE u.is_active AND (u.is_superuser OR p.role = '{Role.HEAD_OFFICE.value}') ORDER BY u.id)")


def managers_sql() -> str:
    """The managers of site ``s``."""
    through = _t(Profile.sites.through)
    return (f"ARRAY(SELECT p.user_id FROM {through} ps JOIN {_t(Profile)} p ON p.id = ps.profile_id "
            f"AND p.role = '{Role.MANAGER.value}' WHERE ps.site_id = s.id ORDER BY p.user_id)")


def contact_sql() -> str:
    """The contact of region ``r`` (when active), as a one- or zero-element array."""
    return (f"ARRAY(SELECT u.id FROM {_t(get_user_model())} u WHERE u.id = r.contact_id AND u.is_active)")


def contact_or_head_office_sql() -> str:
    """The region's contact, else every head-office user (missed days, critical failures, overdue actions)."""
    return f"(SELECT CASE WHEN cardinality(c) > 0 THEN c ELSE {head_office_sql()} END FROM (SELECT {contact_sql()}) x(c))"


def head_office_and_contact_sql() -> str:
    """Every head-office user and the region's contact (an escalated action)."""
    return f"({head_office_sql()} || {contact_sql()})"
