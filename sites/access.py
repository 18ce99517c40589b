"""The one place that decides which sites a user may read and write.

Every queryset of site data goes through :func:`readable_sites` / :func:`writable_sites` (or the
``*_filter`` helpers, which express the same scope as a subquery on another model's site foreign key).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from backend.compiled import CompiledQuery

from .models import Profile, Role, Site


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
        user._touchpoint_profile = _PROFILE_OF.first(user.pk)
    return user._touchpoint_profile


# Asked on every request: compiled once (backend.compiled), the SQL of this queryset.
_PROFILE_OF = CompiledQuery(lambda user_id: Profile.objects.filter(user_id=user_id).order_by("pk")[:1], -7919)


def readable_sites(user) -> QuerySet[Site]:
    """Sites whose own data (checks, actions, variance, reports) this user may read. A mystery shopper reads
    none: they submit audits for their assigned sites (:func:`auditable_sites`) and never see a site's checks."""
    role = role_of(user)
    if role == Role.HEAD_OFFICE:
        return Site.objects.all()
    if role in (Role.MANAGER, Role.DEPARTMENT):
        return Site.objects.filter(id__in=_profile(user).sites.values("id"))
    if role == Role.AUDITOR:
        profile = _profile(user)
        return Site.objects.filter(
            Q(id__in=profile.sites.values("id")) | Q(region_id__in=profile.regions.values("id"))
        )
    return Site.objects.none()


def writable_sites(user) -> QuerySet[Site]:
    """Sites whose daily checks, evidence and actions this user may write. Auditors never write checks.
    Department staff write their department's checks for the sites they serve (which part of a check a
    person may give is the check plan's rule)."""
    role = role_of(user)
    return _writable_sites(role, _profile(user).pk if role in (Role.MANAGER, Role.DEPARTMENT) else None)


def _writable_sites(role: str | None, profile_id: int | None) -> QuerySet[Site]:
    if role == Role.HEAD_OFFICE:
        return Site.objects.all()
    if role in (Role.MANAGER, Role.DEPARTMENT):
        return Site.objects.filter(id__in=Profile.sites.through.objects.filter(profile_id=profile_id).values("site_id"),
                                   active=True)
    return Site.objects.none()


def writable_site(user, code: str) -> Site | None:
    """The site with this code if this user may write it, else None: :func:`writable_sites`, compiled once
    per role (the submission asks it every time)."""
    role = role_of(user)
    if role == Role.HEAD_OFFICE:
        return _WRITABLE_SITE[role].first(code)
    if role in (Role.MANAGER, Role.DEPARTMENT):
        return _WRITABLE_SITE[Role.MANAGER].first(_profile(user).pk, code)
    return None


_CODE = "\x00code"  # no site has it: a sentinel
_WRITABLE_SITE = {
    Role.HEAD_OFFICE: CompiledQuery(lambda code: _writable_sites(Role.HEAD_OFFICE, None).filter(code=code)[:1], _CODE),
    Role.MANAGER: CompiledQuery(lambda profile_id, code: _writable_sites(Role.MANAGER, profile_id)
                                .filter(code=code)[:1], -7919, _CODE),
}


def auditable_sites(user) -> QuerySet[Site]:
    """Active sites this user may submit audits for: head office any, an auditor the sites they may read
    (assigned sites and regions), a mystery shopper the sites they are assigned to visit."""
    role = role_of(user)
    if role == Role.HEAD_OFFICE:
        return Site.objects.filter(active=True)
    if role == Role.AUDITOR:
        return readable_sites(user).filter(active=True)
    if role == Role.MYSTERY_SHOPPER:
        return Site.objects.filter(id__in=_profile(user).sites.values("id"), active=True)
    return Site.objects.none()


def visible_sites(user) -> QuerySet[Site]:
    """Sites a person may see listed (code, name, region; GET /sites/, /me/): those they read, and for a
    mystery shopper those they visit."""
    if role_of(user) == Role.MYSTERY_SHOPPER:
        return auditable_sites(user)
    return readable_sites(user)


def department_of(user):
    """The department a department staff member works in (None for everyone else)."""
    if role_of(user) != Role.DEPARTMENT:
        return None
    return _profile(user).department


def is_head_office(user) -> bool:
    return role_of(user) == Role.HEAD_OFFICE


def can_read_site(user, site: Site) -> bool:
    return readable_sites(user).filter(pk=site.pk).exists()


def can_write_site(user, site: Site) -> bool:
    return writable_sites(user).filter(pk=site.pk).exists()
