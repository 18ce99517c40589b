"""Sites for a drill's burst: as many as it needs, each managed by the network's manager of A1 (one phone
submitting for many sites stands for many phones: the server cannot tell them apart but by token)."""

from __future__ import annotations

from sites.models import Profile

from ..factories import SiteFactory


def managed_sites(network, count: int) -> list:
    """``count`` sites (A1 first), every one in region A, in UTC, managed by ``network.manager_a``."""
    extra = [SiteFactory(code=f"DRILL-{n:04d}", region=network.region_a, timezone="UTC") for n in range(count - 1)]
    Profile.objects.get(user=network.manager_a).sites.add(*extra)
    return [network.a1, *extra][:count]
