"""What every page's header needs: the person's role and the links their role may follow."""

from django.urls import reverse

from sites import access
from sites.models import Role


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    role = access.role_of(user)
    if role is None:
        return {"role": None, "nav_links": []}
    links = []
    if role == Role.MYSTERY_SHOPPER:
        # Only the pages open to them (pages.views.common.open_to_mystery_shoppers): the audit form and their own.
        links += [("pages:audit-new", "New visit"), ("pages:audits", "My visits")]
    else:
        if role in (Role.HEAD_OFFICE, Role.AUDITOR):
            links += [("pages:overview", "Network"), ("pages:audits", "Audits")]
        if role == Role.MANAGER:
            links += [("pages:today", "Today"), ("pages:overview", "My site")]
        if role == Role.DEPARTMENT:  # their department's part of the checks of the sites they serve
            links.append(("pages:today", "Today"))
        links.append(("pages:perception", "Perception"))  # every other role reads a site's checks
        if role == Role.HEAD_OFFICE:
            links.append(("pages:calibration", "Calibration"))
        links += [("pages:standard", "Standard"), ("pages:reports", "Reports")]
        if role == Role.HEAD_OFFICE:
            links.append(("pages:feedback", "Feedback"))
    links.append(("pages:notifications", "Notifications"))  # every role: what they are told, and how
    return {"role": role, "role_label": Role(role).label,
            "nav_links": [(href, label, _is_current(request.path, href))
                          for href, label in ((reverse(name), label) for name, label in links)]}


def _is_current(path: str, href: str) -> bool:
    """The link's own page or one under it (/app/standard/diff/ is the Standard's); /app/ itself only for itself,
    since every page is under it. A manager's "My site" is /app/ too: their site's page is under /app/sites/."""
    if href == reverse("pages:audits"):  # the list and an audit's page, not the form under it
        return path.startswith(href) and not path.startswith(reverse("pages:audit-new"))
    if href == reverse("pages:overview"):
        return path == href or path.startswith(reverse("pages:overview") + "sites/")
    return path.startswith(href)
