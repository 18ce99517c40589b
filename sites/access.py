"""The one place that decides which sites a user may read and write.

Every queryset of site data goes through :func:`readable_sites` / :func:`writable_sites` (or the
``*_filter`` helpers, which express the same scope as a subquery on another model's site foreign key).
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Q, QuerySet

from backend import rows

from .models import Profile, Region, Role, Site


def role_of(user) -> str | None:
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.HEAD_OFFICE
    profile = _profile(user)
    return profile.role if profile else None


def _profile(user) -> Profile | None:
    # Cached on the user object for the life of the request: the scope is asked for many times.
    if not hasattr(user, "_touchpoint_profile"):
        user._touchpoint_profile = Profile.objects.filter(user=user).first()
    return user._touchpoint_profile


def readable_sites(user) -> QuerySet[Site]:
    role = role_of(user)
    if role == Role.HEAD_OFFICE:
        return Site.objects.all()
    if role == Role.MANAGER:
        return Site.objects.filter(id__in=_profile(user).sites.values("id"))
    if role == Role.AUDITOR:
        profile = _profile(user)
        return Site.objects.filter(
            Q(id__in=profile.sites.values("id")) | Q(region_id__in=profile.regions.values("id"))
        )
    return Site.objects.none()


def writable_sites(user) -> QuerySet[Site]:
    """Sites whose daily checks, evidence and actions this user may write. Auditors never write."""
    role = role_of(user)
    if role == Role.HEAD_OFFICE:
        return Site.objects.all()
    if role == Role.MANAGER:
        return Site.objects.filter(id__in=_profile(user).sites.values("id"), active=True)
    return Site.objects.none()


def writable_site(user, code: str) -> Site | None:
    """The site with this code if this user may write it (region loaded), else None: the same scope as
    :func:`writable_sites`, in one query. The role is decided inside it instead of by reading the profile
    first (the hot path of a check submission asks nothing else of the profile)."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser or hasattr(user, "_touchpoint_profile"):
        return writable_sites(user).select_related("region").filter(code=code).first()
    return _writable_site_sql(user.pk, code)


def writable_site_from(user_id: int, code: str) -> tuple[str, str, list]:
    """The ``FROM`` and ``WHERE`` of the site with this code (alias ``s``, its region ``r``) if this user may
    write it, and the WHERE's parameters: the scope of :func:`writable_sites` in plain SQL, for hot-path
    queries that select more beside the site."""
    from_sql, where = _writable_site_sql_parts(connection.vendor, "%s")
    return from_sql, where, [code, user_id, Role.HEAD_OFFICE.value, user_id, Role.MANAGER.value]


def writable_site_of_column(user_column: str) -> tuple[str, str]:
    """The same ``FROM`` and ``WHERE`` for a user id that is a column of the query (``check_fast`` finds the
    token's user in the same statement as the site); the WHERE's parameters are :func:`writable_site_params`."""
    return _writable_site_sql_parts(connection.vendor, user_column)


def writable_site_params(code: str) -> list:
    return [code, Role.HEAD_OFFICE.value, Role.MANAGER.value]


@cache
def _writable_site_sql_parts(vendor: str, user: str) -> tuple[str, str]:
    qn = connection.ops.quote_name
    through = Profile.sites.through._meta
    m2m = Profile._meta.get_field("sites")
    from_sql = f"FROM {qn(Site._meta.db_table)} s JOIN {qn(Region._meta.db_table)} r ON r.id = s.region_id"
    where = (f"WHERE s.code = %s AND (EXISTS (SELECT 1 FROM {qn(Profile._meta.db_table)} p "
             f"WHERE p.user_id = {user} AND p.role = %s) "
             f"OR (s.active AND EXISTS (SELECT 1 FROM {qn(Profile._meta.db_table)} p "
             f"JOIN {qn(through.db_table)} ps ON ps.{qn(m2m.m2m_column_name())} = p.id "
             f"WHERE p.user_id = {user} AND p.role = %s AND ps.{qn(m2m.m2m_reverse_name())} = s.id)))")
    return from_sql, where


def site_from_row(row) -> Site:
    """The site (region attached) from the first columns of a row selected with :func:`site_columns`."""
    site = rows.from_row(Site, row[:rows.width(Site)])
    site.region = rows.from_row(Region, row[rows.width(Site):rows.width(Site) + rows.width(Region)])
    return site


def site_columns() -> str:
    """The columns of the site ``s`` and its region ``r``, in the order :func:`site_from_row` reads."""
    return f"{rows.columns(Site, 's')}, {rows.columns(Region, 'r')}"


def _writable_site_sql(user_id: int, code: str) -> Site | None:
    # Plain SQL: on the submission's hot path, compiling this query through the ORM (EXISTS, an M2M
    # subquery, select_related) cost more CPU than running it (bench/RESULTS-submit.md).
    from_sql, where, params = writable_site_from(user_id, code)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {site_columns()} {from_sql} {where}", params)
        row = cursor.fetchone()
    return None if row is None else site_from_row(row)


def is_head_office(user) -> bool:
    return role_of(user) == Role.HEAD_OFFICE


def can_read_site(user, site: Site) -> bool:
    return readable_sites(user).filter(pk=site.pk).exists()


def can_write_site(user, site: Site) -> bool:
    return writable_sites(user).filter(pk=site.pk).exists()
