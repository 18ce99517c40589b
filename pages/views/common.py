"""What every page view shares: sign-in required, the API's refusals turned into pages, and the person's role.

The services and selectors raise the API's errors (backend.errors): a site outside the person's scope is
``NotFound`` (so a manager cannot learn that the site next door exists), a write they may not make is
``Forbidden``. A page answers them with the 404 and 403 pages."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext

from backend.errors import Forbidden, NotFound
from sites import access
from sites.models import Role

ROLES_THAT_READ_THE_NETWORK = (Role.HEAD_OFFICE, Role.AUDITOR)
OPEN_TO_SHOPPERS = "open_to_mystery_shoppers"


def open_to_mystery_shoppers(view):
    """Marks a page a mystery shopper may open. Every other page answers them with the 403 page, whatever it
    would show them: a shopper is never to see a site's own data, and a page added later is closed to them
    until it says otherwise (one rule here, not one check per view)."""
    setattr(view, OPEN_TO_SHOPPERS, True)
    return view


def page(view):
    """A page view: the login page first for a stranger; the API's 404/403 refusals become the pages'.

    A stranger's htmx request (a status card polled after the session expired) is sent to the login page as a
    whole page (HX-Redirect), back to the page it was polled from: a plain redirect would put the login form
    inside the card."""

    login_view = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and getattr(request, "htmx", False):
            back = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponse(status=204, headers={"HX-Redirect": f"{resolve_url(settings.LOGIN_URL)}?"
                                                                    f"{urlencode({'next': back})}"})
        # Read at call time, from either side of @page: the mark may be put above or below it.
        shoppers = getattr(view, OPEN_TO_SHOPPERS, False) or getattr(wrapper, OPEN_TO_SHOPPERS, False)
        return _refusals_as_pages(login_view, request, *args, shoppers=shoppers, **kwargs)

    return wrapper


def _refusals_as_pages(view, request, *args, shoppers: bool, **kwargs):
    try:
        if not shoppers and access.role_of(request.user) == Role.MYSTERY_SHOPPER:
            raise Forbidden(gettext("This page is not open to mystery shoppers."))
        return view(request, *args, **kwargs)
    except (NotFound, Http404):
        # Rendered here rather than raised: under DEBUG (make run) Django answers a raised 404 with its technical
        # page, and a manager typing the site next door's address should see the page a user sees.
        return render(request, "404.html", {"request_path": request.path}, status=404)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc


def require_role(request, *roles: str) -> str:
    """The person's role, if it is one of ``roles``; otherwise the 403 page."""
    role = access.role_of(request.user)
    if role not in roles:
        raise PermissionDenied(gettext("This page is not open to your role."))
    return role


def own_site_code(user) -> str | None:
    """A manager's site (the first by code when they run several): where their pages open."""
    return access.readable_sites(user).order_by("code").values_list("code", flat=True).first()


def landing_url(user) -> str | None:
    """Where "/" takes a signed-in person: head office and auditors to the network, a manager and department
    staff to today's checklist (their part of it), a mystery shopper to the audit form. None for someone with no
    role yet (they stay on the landing page, which says so)."""
    from django.urls import reverse

    role = access.role_of(user)
    if role in ROLES_THAT_READ_THE_NETWORK:
        return reverse("pages:overview")
    if role in (Role.MANAGER, Role.DEPARTMENT):
        return reverse("pages:today")
    if role == Role.MYSTERY_SHOPPER:
        return reverse("pages:audit-new")
    return None
