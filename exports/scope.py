"""Which sites an export covers: the sites the user may read (sites/access.py), narrowed to a region as a
variance question is (consistency.variance.scope, one rule), or to sites named one by one. A mystery shopper
reads no site's own results: refused, as the perception gap refuses them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from backend.errors import AppError, FieldError, Forbidden, NotFound
from consistency.variance.scope import variance_sites
from sites import access
from sites.models import Role


@dataclass(frozen=True)
class Scope:
    site_ids: list[int] | None  # None: every site (head office's whole network, no narrowing)
    label: str                  # for the file's name: "network", the region's code, or site codes


def export_scope(*, user, region: str | None = None, codes: Sequence[str] = ()) -> Scope:
    """The sites ``user`` may export, narrowed to ``region`` or to the site ``codes``. A region unknown or
    wholly outside the user's scope is a 400 naming ``region``; a site code the user may not read (or that does
    not exist: the same answer, so codes cannot be probed) a 404 naming ``sites[i]``."""
    if access.role_of(user) == Role.MYSTERY_SHOPPER:
        raise Forbidden(_("A mystery shopper does not see sites' own results, so cannot export them."),
                        field="sites")
    if region and codes:
        raise AppError(_("Give either region or sites, not both."), field="sites")
    codes = list(dict.fromkeys(codes))
    if not region and not codes and access.is_head_office(user):
        return Scope(None, "network")
    sites = variance_sites(user=user, region=region)  # readable, and in the region (400 naming it) if one is given
    if codes:
        sites = sites.filter(code__in=codes)
    found = dict(sites.order_by("code").values_list("code", "pk"))
    missing = [FieldError(_("No site %(code)r among the sites you can see.") % {"code": code}, f"sites[{i}]",
                          "not_found") for i, code in enumerate(codes) if code not in found]
    if missing:
        raise NotFound(errors=missing)
    if not found and not region:
        raise Forbidden(_("You can read no site's results."), field="sites")
    label = region or "-".join(sorted(found)[:3]) or "none"
    return Scope(list(found.values()), label)
