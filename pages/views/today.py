"""/app/today/: the manager's checklist on a phone, and department staff's part of it.

A manager sees the site's part of the standard (touch points of no department, or of one the site reports);
department staff (accounting) see their department's touch points, with a picker of the sites they serve
(``consistency.services.check_parts``: the rule of which part a touch point belongs to, the API's).

The page is server-rendered from the selectors the API answers with: today's standard is what
``/api/v1/standard/current/?site=`` returns (``checklist_day`` then ``version_current``), today's check is
``check_get`` (``/api/v1/checks/{id}/``) and the open actions are ``action_list`` (``/api/v1/sites/{code}/actions/``).
Submitting is left to pages/static/pages/today.js, which uses the API itself, as a phone app does: this page
is the reference client. A constant number of queries, however many criteria the standard has.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext

from backend.errors import AppError, NotFound
from backend.inputs import slug_param
from consistency.api.check_serializers import check_detail_body
from consistency.models import SubmittedBy
from consistency.selectors import actions as action_selectors
from consistency.selectors import checks as check_selectors
from consistency.selectors import standard as standard_selectors
from consistency.services import actions as action_services
from consistency.services.check_parts import covers
from consistency.services.checks import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, validate_check_date
from consistency.services.criterion_text import rule_text
from consistency.services.translation import translated
from reports.packs import outcome_text, value_text
from sites import access
from sites.models import Role
from sites.selectors import site_get

from ..format import whole_pct
from ..labels import action_status
from ..not_applicable import checklist_marks
from .common import own_site_code, page, require_role

ACTIONS_SHOWN = 10


def _site(request, sites: list[tuple[str, str]]):
    """The site asked for with ``?site=`` (404 outside the manager's scope, as the API), else their first one
    of ``sites`` (those they may write), else their first one (a closed site: the API's 403)."""
    try:
        code = slug_param(request.GET, "site")
    except AppError as exc:  # no site could have such a code
        raise Http404(exc.message) from exc
    code = code or (sites[0][0] if sites else own_site_code(request.user))
    if code is None:
        raise Http404(gettext("You manage no site yet; head office assigns one."))
    return site_get(user=request.user, code=code, for_write=True)


def _in_part(tp, department) -> bool:
    own = tp.department
    return covers(department.key if department is not None else None, own.key if own is not None else None,
                  own is not None and own.submitted_by == SubmittedBy.DEPARTMENT)


def _checklist(version, department) -> list[dict]:
    """The touch points of the person's part (``department`` None: the site's) and their criteria, each with
    its target in the words the reports use."""
    return [{"touch_point": tp, "criteria": [{"c": c, "rule": rule_text(c)} for c in tp.criteria.all()]}
            for tp in version.touch_points.all() if _in_part(tp, department)]


def _todays_check(*, user, site, day, department):
    """Today's current check of the part, read as ``/api/v1/checks/{id}/`` reads it, or None."""
    check_id = (check_selectors.check_list(site=site, date_from=day, date_to=day)
                .filter(department=department).values_list("pk", flat=True).first())
    return check_selectors.check_get(user=user, check_id=check_id) if check_id is not None else None


def _check_view(check, body: dict) -> dict:
    """The check as the API answers it (``body``), and its results in the reports' words."""
    rows = []
    for result, shown in zip(check.results.all(), body["results"], strict=True):
        c = result.criterion
        rows.append({"key": c.key, "prompt": translated(c, "prompt", get_language()), "critical": c.critical, "passed": shown["passed"],
                     "met": shown["met"], "value": value_text(c.kind, result.value, c.unit),
                     "outcome": outcome_text(passed=shown["passed"], met=shown["met"]), "note": shown["note"]})
    prompts = {r["key"]: r["prompt"] for r in rows}
    actions = [{**a, "prompt": prompts.get(a["criterion"], a["criterion"]), "status_text": action_status(a["status"])}
               for a in body["actions"]]
    return {"body": body, "score": whole_pct(body["score"]) if body["score"] is not None else "\u2013", "failed": [r for r in rows if not r["passed"]], "passed": [r for r in rows if r["passed"]],
            "actions": actions, "photos": [{**p, "prompt": prompts.get(p["criterion"], p["criterion"])}
                                           for p in body["evidence"]]}


def _initial_values(check, body: dict) -> dict:
    """What an amendment starts from: the stored value and note of each criterion, as the form shows them."""
    out = {}
    for result, shown in zip(check.results.all(), body["results"], strict=True):
        value = shown["value"]
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[result.criterion.key] = {"value": str(value), "note": shown["note"]}
    return out


@page
def today(request):
    role = require_role(request, Role.MANAGER, Role.DEPARTMENT)
    department = access.department_of(request.user) if role == Role.DEPARTMENT else None
    if role == Role.DEPARTMENT and (department is None or department.submitted_by != SubmittedBy.DEPARTMENT):
        raise PermissionDenied(gettext("Your department's touch points are reported by the sites' own checks: there "
                                       "is no checklist of its own to fill here."))
    sites = list(access.writable_sites(request.user).order_by("code").values_list("code", "name"))
    site = _site(request, sites)
    now = timezone.now()
    day = standard_selectors.checklist_day(user=request.user, site=site)
    try:
        version = standard_selectors.load_contents(standard_selectors.version_current(on=day))
    except NotFound as exc:
        version, no_standard = None, exc.message
    else:
        no_standard = None
    check = _todays_check(user=request.user, site=site, day=day, department=department)
    # The API's own rule for whether a check (or an amendment) of the day is taken now: its refusal, if any.
    try:
        validate_check_date(site=site, day=day, now=now)
        closed = None
    except AppError as exc:
        closed = exc.message
    actions = [{"a": a, "status": action_services.status_shown(a, tz=site.tz, now=now)}
               for a in action_selectors.action_list(user=request.user, site=site, status="open", now=now)]
    checklist = _checklist(version, department) if version is not None else []
    checklist_marks(checklist, site=site, day=day)  # criteria not applicable here today: shown, not asked
    if department is not None:  # department staff deal with their own touch points' actions
        keys = {item["c"].key for group in checklist for item in group["criteria"]}
        actions = [a for a in actions if a["a"].criterion.key in keys]
    body = check_detail_body(check) if check is not None else None
    initial = _initial_values(check, body) if check is not None else {}
    for group in checklist:
        for item in group["criteria"]:
            item["initial"] = initial.get(item["c"].key, {})
    return render(request, "pages/today.html", {
        "site": site, "day": day, "version": version, "no_standard": no_standard, "checklist": checklist,
        "check": _check_view(check, body) if check is not None else None,
        "can_submit": version is not None and closed is None, "closed": closed,
        "criteria_count": sum(len(group["criteria"]) for group in checklist),
        # The first few, and the rest on demand (the API's list): the page stays under 100 kB on a weak signal.
        "actions": actions[:ACTIONS_SHOWN], "actions_total": len(actions),
        "sites": sites if len(sites) > 1 else [], "department": department,
        "note_max": NOTE_MAX_LENGTH, "reason_max": REASON_MAX_LENGTH,
    })
