"""What every page's header needs: the person's role and the links their role may follow."""

from sites import access
from sites.models import Role


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    role = access.role_of(user)
    if role is None:
        return {"role": None, "nav_links": []}
    links = []
    if role in (Role.HEAD_OFFICE, Role.AUDITOR):
        links.append(("pages:overview", "Network"))
    if role == Role.MANAGER:
        links += [("pages:today", "Today"), ("pages:overview", "My site")]
    links += [("pages:standard", "Standard"), ("pages:reports", "Reports")]
    return {"role": role, "role_label": Role(role).label, "nav_links": links}
