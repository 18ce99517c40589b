"""Which sites a variance question covers: always a subset of what the user may read (sites/access.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.errors import AppError, NotFound
from sites import access
from sites.models import Region, Site


def variance_sites(*, user, region: str | None = None, site: str | None = None) -> QuerySet[Site]:
    """The readable sites, narrowed to a region and/or one site. A region that does not exist, or none of
    whose sites the user may read, is a 400 (the same answer, so that region codes cannot be probed); a site
    outside the user's scope is a 404, as if it did not exist."""
    qs = access.readable_sites(user)
    if region:
        known = (Region.objects.filter(code=region) if access.is_head_office(user)
                 else qs.filter(region__code=region)).exists()
        if not known:
            raise AppError(f"No region {region!r} among the sites you can see.", field="region")
        qs = qs.filter(region__code=region)
    if site:
        if not qs.filter(code=site).exists():
            raise NotFound(f"No site {site!r} among the sites you can see"
                           + (f" in region {region!r}." if region else "."), field="site")
        qs = qs.filter(code=site)
    return qs
