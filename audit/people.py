"""Who may do what, before and after a change in the admin: a person's role and the sites and regions assigned
to them, recorded as ``role.granted`` / ``role.revoked`` and ``site_assignment.added`` / ``.removed``.

Roles and assignments change only in the admin (``sites.admin``: a Profile, or a User's superuser and active
flags; a superuser counts as head office, ``sites.access.role_of``). The admin saves the profile, then its
sites and regions (``save_related``), in one transaction: the snapshot is taken before the first and compared
after the last.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from sites.models import Profile

from .models import Action
from .services import record


def access_of(user_id: int | None) -> dict:
    """What ``user_id`` may do, as the database says now."""
    user = get_user_model().objects.filter(pk=user_id).values("username", "is_superuser", "is_active").first()
    profile = (Profile.objects.filter(user_id=user_id).select_related("department")
               .prefetch_related("sites", "regions").first()) if user_id else None
    return {
        "username": user["username"] if user else None,
        "role": profile.role if profile else None,
        "superuser": bool(user and user["is_superuser"]),
        "active": bool(user and user["is_active"]),
        "department": profile.department.key if profile and profile.department_id else None,
        "sites": sorted(s.code for s in profile.sites.all()) if profile else [],
        "regions": sorted(r.code for r in profile.regions.all()) if profile else [],
    }


def record_access_change(*, actor, user_id: int, before: dict, request=None) -> None:
    """Compare ``before`` (``access_of`` before the change) with now, and record what changed."""
    after = access_of(user_id)
    target = {"target_type": "auth.user", "target_id": user_id}
    who = after["username"] or before["username"]
    role_fields = ("role", "superuser", "active", "department")
    if any(before[f] != after[f] for f in role_fields):
        keeps = after["active"] and (after["role"] or after["superuser"])
        record(Action.ROLE_GRANTED if keeps else Action.ROLE_REVOKED, actor=actor, **target, request=request,
               data={"user": who, **{f: {"before": before[f], "after": after[f]} for f in role_fields
                                      if before[f] != after[f]}})
    for action, first, second in ((Action.SITE_ASSIGNMENT_ADDED, after, before),
                                  (Action.SITE_ASSIGNMENT_REMOVED, before, after)):
        moved = {kind: sorted(set(first[kind]) - set(second[kind])) for kind in ("sites", "regions")}
        if moved["sites"] or moved["regions"]:
            only_site = moved["sites"][0] if len(moved["sites"]) == 1 and not moved["regions"] else None
            record(action, actor=actor, **target, site=only_site, request=request, data={"user": who, **moved})
