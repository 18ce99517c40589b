from __future__ import annotations

from django.db.models import QuerySet

from backend.errors import AppError, Forbidden, NotFound

from . import access
from .models import Region, Site


def site_list(*, user, region: str | None = None) -> QuerySet[Site]:
    qs = access.readable_sites(user).select_related("region").order_by("code")
    return in_region(user=user, sites=qs, region=region) if region else qs


def in_region(*, user, sites: QuerySet[Site], region: str) -> QuerySet[Site]:
    """``sites`` (within the user's scope) narrowed to a region. A region that does not exist, or none of
    whose sites the user may read, is a 400 naming ``region``: the same answer for both, so that region codes
    cannot be probed, and a mistyped code is not mistaken for a region with nothing to show."""
    known = (Region.objects.filter(code=region) if access.is_head_office(user)
             else access.readable_sites(user).filter(region__code=region)).exists()
    if not known:
        raise AppError(f"No region {region!r} among the sites you can see.", field="region")
    return sites.filter(region__code=region)


def site_get(*, user, code: str, for_write: bool = False, field: str = "code") -> Site:
    """The site with this code if the user may see it (and write it, if asked); otherwise 404,
    so a manager cannot even learn that the site next door exists. A readable site that may not be
    written answers 403 instead: the user knows it exists already. ``field``: where the code came from
    (the URL's ``code``, or a query parameter), for the refusal to name it."""
    site = access.readable_sites(user).select_related("region").filter(code=code).first()
    if site is None:
        raise NotFound(f"No site {code!r} among the sites you can see.", field=field)
    if for_write and not access.writable_sites(user).filter(pk=site.pk).exists():
        raise Forbidden(f"You may read site {code!r} but not write to it.", field=field)
    return site


def me(*, user) -> dict:
    profile = access._profile(user)
    readable = list(access.readable_sites(user).order_by("code").values_list("code", flat=True))
    writable = list(access.writable_sites(user).order_by("code").values_list("code", flat=True))
    regions = list(profile.regions.order_by("code").values_list("code", flat=True)) if profile else []
    return {
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "role": access.role_of(user),
        "sites": readable,
        "writable_sites": writable,
        "regions": regions,
    }
