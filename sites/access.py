"""The one place that decides which sites a user may read and write.

Every queryset of site data goes through :func:`readable_sites` / :func:`writable_sites` (or the
``*_filter`` helpers, which express the same scope as a subquery on another model's site foreign key).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

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
    """The site with this code (region loaded) if this user may write it, else None."""
    if not user or not user.is_authenticated:
        return None
    return writable_sites(user).select_related("region").filter(code=code).first()


def is_head_office(user) -> bool:
    return role_of(user) == Role.HEAD_OFFICE


def can_read_site(user, site: Site) -> bool:
    return readable_sites(user).filter(pk=site.pk).exists()


def can_write_site(user, site: Site) -> bool:
    return writable_sites(user).filter(pk=site.pk).exists()
