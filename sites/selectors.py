from __future__ import annotations

from django.db.models import QuerySet

from backend.errors import AppError, Forbidden, NotFound

from . import access
from .models import Region, Site


def site_list(*, user, region: str | None = None) -> QuerySet[Site]:
    """The sites a person sees listed (``access.visible_sites``): those they read and, for a mystery shopper,
    the sites they are assigned to visit (code and name only: seeing a site listed reads none of its data)."""
    qs = access.visible_sites(user).select_related("region").order_by("code")
    return in_region(user=user, sites=qs, region=region, visible=True) if region else qs


def in_region(*, user, sites: QuerySet[Site], region: str, visible: bool = False) -> QuerySet[Site]:
    """``sites`` (within the user's scope) narrowed to a region. A region that does not exist, or none of
    whose sites the user may read, is a 400 naming ``region``: the same answer for both, so that region codes
    cannot be probed, and a mistyped code is not mistaken for a region with nothing to show. ``visible``: the
    regions of the sites the user sees listed (``access.visible_sites``) rather than of those they read."""
    scope = access.visible_sites if visible else access.readable_sites
    known = (Region.objects.filter(code=region) if access.is_head_office(user)
             else scope(user).filter(region__code=region)).exists()
    if not known:
        raise AppError(f"No region {region!r} among the sites you can see.", field="region")
    return sites.filter(region__code=region)


def site_get(*, user, code: str, for_write: bool = False, field: str = "code") -> Site:
    """The site with this code if the user may see it (and write it, if asked); otherwise 404,
    so a manager cannot even learn that the site next door exists. A readable site that may not be
    written answers 403 instead: the user knows it exists already. ``field``: where the code came from
    (the URL's ``code``, or a query parameter), for the refusal to name it.

    Every reader of a site's data (checks, actions, missed days, variance, reports) asks this one: a mystery
    shopper, who reads no site's data, gets 404 everywhere here. :func:`site_shown` is the site's own
    description (code, name, region), which a shopper sees for the sites they visit."""
    site = access.readable_sites(user).select_related("region").filter(code=code).first()
    if site is None:
        raise NotFound(f"No site {code!r} among the sites you can see.", field=field)
    if for_write and not access.writable_sites(user).filter(pk=site.pk).exists():
        raise Forbidden(f"You may read site {code!r} but not write to it.", field=field)
    return site


def site_shown(*, user, code: str) -> Site:
    """A site as ``GET /sites/{code}/`` shows it (no data of its own): one the user may see listed, else 404."""
    site = access.visible_sites(user).select_related("region").filter(code=code).first()
    if site is None:
        raise NotFound(f"No site {code!r} among the sites you can see.", field="code")
    return site


def me(*, user) -> dict:
    profile = access._profile(user)
    # The sites listed to the person: for a mystery shopper, the sites they visit (they read none).
    readable = list(access.visible_sites(user).order_by("code").values_list("code", flat=True))
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
