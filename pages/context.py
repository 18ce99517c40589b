"""What every page's header needs: the person's role, the links their role may follow, and the language they
chose (the header's language switch)."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext

from audit.views import NAV_LABEL as AUDIT_TRAIL
from sites import access
from sites.models import Role

from .labels import label
from .language import chosen_language


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    role = access.role_of(user)
    if role is None:
        return {"role": None, "nav_links": [], "chosen_language": chosen_language(user)}
    links = []
    if role == Role.MYSTERY_SHOPPER:
        # Only the pages open to them (pages.views.common.open_to_mystery_shoppers): the audit form and their own.
        links += [("pages:audit-new", gettext("New visit")), ("pages:audits", gettext("My visits"))]
    else:
        if role in (Role.HEAD_OFFICE, Role.AUDITOR):
            links += [("pages:overview", gettext("Network")), ("pages:audits", gettext("Audits"))]
        if role == Role.MANAGER:
            links += [("pages:today", gettext("Today")), ("pages:overview", gettext("My site"))]
        if role == Role.DEPARTMENT:  # their department's part of the checks of the sites they serve
            links.append(("pages:today", gettext("Today")))
        links.append(("pages:perception", pgettext("the perception page", "Perception")))  # every other role reads a site's checks
        if role == Role.HEAD_OFFICE:
            links.append(("pages:calibration", gettext("Calibration")))
        links += [("pages:standard", gettext("Standard")), ("pages:reports", gettext("Reports"))]
        if role == Role.HEAD_OFFICE:
            links.append(("pages:feedback", gettext("Feedback")))
            links.append(("pages:audit-trail", str(AUDIT_TRAIL)))  # its label is translated with the audit app
    links.append(("pages:notifications", gettext("Notifications")))  # every role: what they are told, and how
    return {"role": role, "role_label": label(Role, role), "chosen_language": chosen_language(user),
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
