"""Which sites a variance question covers: always a subset of what the user may read (sites/access.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.errors import NotFound
from sites import access
from sites.models import Site
from sites.selectors import in_region


def variance_sites(*, user, region: str | None = None, site: str | None = None) -> QuerySet[Site]:
    """The readable sites, narrowed to a region and/or one site. A region that does not exist, or none of
    whose sites the user may read, is a 400 (the same answer, so that region codes cannot be probed); a site
    outside the user's scope is a 404, as if it did not exist."""
    qs = access.readable_sites(user)
    if region:
        qs = in_region(user=user, sites=qs, region=region)
    if site:
        if not qs.filter(code=site).exists():
            raise NotFound(f"No site {site!r} among the sites you can see"
                           + (f" in region {region!r}." if region else "."), field="site")
        qs = qs.filter(code=site)
    return qs
