"""Which sites a perception question covers: the sites the user may read (sites/access.py), narrowed as a
variance question is (consistency.variance.scope: one rule for region and site), and no answer at all for a
mystery shopper, who never sees a site's own checks (an empty answer would still say what they may not
read: a refusal says it plainly)."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.errors import Forbidden
from consistency.variance.scope import variance_sites
from sites import access
from sites.models import Role, Site


def perception_sites(*, user, region: str | None = None, site: str | None = None) -> QuerySet[Site]:
    if access.role_of(user) == Role.MYSTERY_SHOPPER:
        raise Forbidden("A mystery shopper does not see sites' own checks, so not the perception gap either.")
    return variance_sites(user=user, region=region, site=site)
