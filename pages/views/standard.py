"""/app/standard/: the standard as a document, head office's drafts and publishing, and the diff of two versions.

Thin, as every page is: the versions come from the API's selectors (consistency.selectors.standard), publishing
is the API's service (services.standard.version_publish, with its refusals), the diff is the API's
(services.standard_diff.diff_for, its query read by the API's serializer). Nothing here decides a rule.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from backend.errors import AppError, NotFound
from consistency.api.standard_serializers import VERSION_NUMBER_MAX, DiffQuerySerializer
from consistency.models import Comparison, Kind, VersionStatus
from consistency.selectors import standard as selectors
from consistency.services import standard as services
from consistency.services.standard_diff import diff_for, requirement, tolerance_text
from sites import access
from sites.models import Role

from ..labels import label
from .common import page, require_role


class VersionQuery(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=VERSION_NUMBER_MAX, required=False)


class PublishForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=VERSION_NUMBER_MAX, widget=forms.HiddenInput)
    effective_from = forms.DateField(
        required=False, label=_("Takes effect on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first local day whose checks are judged by this version, at every site. Leave empty for "
                    "the earliest day it can: today, unless checks were already sent for today."))


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _state(version, in_force, today: dt.date) -> tuple[str, str]:
    """Where a version stands for a reader, as (word, badge class): the version in force is the selector's."""
    if version.status == VersionStatus.DRAFT:
        return pgettext("version state", "Draft"), "draft"
    if in_force is not None and version.pk == in_force.pk:
        return pgettext("version state", "In force"), "ok"
    if version.status == VersionStatus.RETIRED:
        # Retired before its day came: a later publication superseded it, so it never will be in force.
        return pgettext("version state", "Retired"), "retired"
    if version.effective_from > today:
        return gettext("Takes effect %(day)s") % {"day": _day(version.effective_from, "j M Y")}, "warn"
    return pgettext("version state", "Published"), "ok"


def _day(day: dt.date, english_format: str) -> str:
    """A date in the page's language: the format is translated ("j M Y" is "j N Y" in French: "5 déc. 2026")."""
    return date_format(day, gettext(english_format))


def _versions(request, today: dt.date):
    """Every version the person may see (newest first), the version in force, and each one's state."""
    versions = list(selectors.version_list(user=request.user))
    in_force = selectors.version_in_force(on=today)
    for v in versions:
        v.state, v.state_class = _state(v, in_force, today)
    return versions, in_force


def _default_number(versions, in_force) -> int:
    """The version a reader opens on: the one in force; before any is, the published one; else (head office, who
    has only a draft so far) the draft."""
    if in_force is not None:
        return in_force.number
    for status in (VersionStatus.PUBLISHED, VersionStatus.DRAFT):
        found = next((v for v in versions if v.status == status), None)
        if found is not None:
            return found.number
    raise NotFound(gettext("No version of the standard has been published yet."))


# Short words for a table cell; what the target means is said by the requirement beside it.
KIND_WORDS = {Kind.BOOLEAN: _("Yes / no"), Kind.SCORE: _("Score 1–5"), Kind.NUMBER: _("Number")}


def _criterion_rows(version) -> list[dict]:
    """The touch points in order, each criterion with what it asks said in words (services.standard_diff)."""
    out = []
    for tp in version.touch_points.all():
        criteria = [{"c": c, "kind": str(KIND_WORDS[c.kind]), "requirement": requirement(c),
                     "tolerance": tolerance_text(c)} for c in tp.criteria.all()]
        out.append({"tp": tp, "criteria": criteria})
    return out


def _document(request, *, number: int | None = None, publish_form: PublishForm | None = None, status: int = 200):
    today = timezone.localdate()
    versions, in_force = _versions(request, today)
    shown = selectors.version_get(number=number or _default_number(versions, in_force), user=request.user)
    shown.state, shown.state_class = _state(shown, in_force, today)
    head_office = access.is_head_office(request.user)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None) if head_office else None
    if draft is not None and (publish_form is None
                              or getattr(publish_form, "cleaned_data", {}).get("version") != draft.number):
        # The draft's own form: one sent for another version (a released one, refused) is not resubmitted as it.
        publish_form = PublishForm(initial={"version": draft.number})
    upcoming = [v for v in versions if v.state_class == "warn"]
    rows = _criterion_rows(shown)
    context = {
        "standard": shown.standard, "version": shown, "touch_points": rows,
        "criteria_count": sum(len(tp["criteria"]) for tp in rows),
        "published_by": _person(shown.published_by) if shown.published_by_id else "",
        "versions": versions, "in_force": in_force, "upcoming": upcoming, "today": today,
        "draft": draft, "publish_form": publish_form if draft is not None else None,
        "compare": _compare(versions, in_force, shown),
    }
    return render(request, "pages/standard.html", context, status=status)


def _compare(versions, in_force, shown) -> dict:
    """The pair the compare form offers first: the version in force against the one shown; when the version in
    force is shown, it against the newest (a draft, or one published to take effect later), else the one before
    it against it."""
    if in_force is not None and in_force.pk != shown.pk:
        return {"from": in_force.number, "to": shown.number}
    newest = versions[0].number if versions else shown.number
    if newest != shown.number:
        return {"from": shown.number, "to": newest}
    older = [v.number for v in versions if v.number < shown.number]
    return {"from": older[0] if older else shown.number, "to": shown.number}


@page
@require_http_methods(["GET", "HEAD", "POST"])
def standard(request):
    if request.method == "POST":
        return _publish(request)
    query = VersionQuery(request.GET)
    if not query.is_valid():
        return _bad_request(request, "version", query.errors["version"][0])
    return _document(request, number=query.cleaned_data["version"])


def _bad_request(request, field: str, message: str):
    return render(request, "pages/standard_error.html", {"field": field, "message": f"{field}: {message}"},
                  status=400)


def _publish(request):
    """Head office publishes a draft: the API's service, with its refusals shown beside the form. Afterwards the
    diff from the version that was in force to the one just published."""
    require_role(request, Role.HEAD_OFFICE)
    form = PublishForm(request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            return _bad_request(request, "version", form.errors["version"][0])
        return _document(request, number=form.cleaned_data["version"], publish_form=form, status=400)
    version = selectors.version_get(number=form.cleaned_data["version"], with_contents=False)
    today = timezone.localdate()
    before = selectors.version_in_force(on=today)
    try:
        published = services.version_publish(version=version, user=request.user,
                                             effective_from=form.cleaned_data["effective_from"])
    except AppError as exc:
        if exc.field == "effective_from":
            form.add_error("effective_from", exc.message)
        else:
            # About the version itself (released already, no criteria): said at the top, where it is seen even
            # when there is no draft left to show the form for.
            messages.error(request, gettext("Version %(number)s was not published: %(why)s") % {
                "number": version.number, "why": exc.message})
        return _document(request, number=version.number, publish_form=form, status=exc.status_code)
    said = {"number": published.number, "when": _day(published.effective_from, "j F Y"),
            "before": before.number if before else None}
    if published.effective_from == today:
        messages.success(request, gettext("Version %(number)s is published and in force from today.") % said)
    elif published.effective_from < today:
        messages.success(request, gettext("Version %(number)s is published and in force from %(when)s.") % said)
    elif before:
        messages.success(request, gettext("Version %(number)s is published and takes effect on %(when)s; until then "
                                          "version %(before)s stays in force.") % said)
    else:
        messages.success(request, gettext("Version %(number)s is published and takes effect on %(when)s.") % said)
    if before is None:
        return redirect(f"{reverse('pages:standard')}?{urlencode({'version': published.number})}")
    return redirect(f"{reverse('pages:standard-diff')}?{urlencode({'from': before.number, 'to': published.number})}")


# -- the diff -------------------------------------------------------------------------------------------------

FIELD_LABELS = {"prompt": _("Prompt"), "kind": _("Kind"), "target": _("Target"), "comparison": _("Comparison"),
                "tolerance": _("Tolerance"), "unit": _("Unit"), "minimum": _("Lowest reading"),
                "maximum": _("Highest reading"), "weight": _("Weight"), "critical": _("Critical"),
                "photos_required": _("Photos required"), "touch_point": _("Touch point"), "name": _("Name"),
                "why": _("Why it matters"), "order": _("Order")}


def _value_text(field: str, value) -> str:
    if field == "comparison":
        return {Comparison.LTE: gettext("at most"), Comparison.GTE: gettext("at least")}.get(value, gettext("none"))
    if field == "kind":
        return label(Kind, value)
    if field in ("minimum", "maximum") and value is None:
        return gettext("no bound")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(value)
    return gettext("(empty)") if value == "" else str(value)


def _changes(changes) -> list[dict]:
    return [{"label": str(FIELD_LABELS.get(ch.field, ch.field)), "before": _value_text(ch.field, ch.before),
             "after": _value_text(ch.field, ch.after)} for ch in changes]


@page
@require_http_methods(["GET", "HEAD"])
def standard_diff(request):
    today = timezone.localdate()
    versions, in_force = _versions(request, today)
    context = {"versions": versions, "diff": None, "errors": {}}
    asked = "from" in request.GET or "to" in request.GET
    status = 200
    if not asked:
        # Nothing asked yet: offer the version in force against the newest one the person may see.
        newest = versions[0].number if versions else None
        context["compare"] = {"from": in_force.number if in_force else newest, "to": newest}
        return render(request, "pages/standard_diff.html", context)
    context["compare"] = {"from": _int_or_none(request.GET.get("from")), "to": _int_or_none(request.GET.get("to"))}
    query = DiffQuerySerializer(data=request.GET)
    if not query.is_valid():
        context["errors"] = {name: f"{name}: {errs[0]}" for name, errs in query.errors.items()}
        status = 400
    else:
        try:
            diff = diff_for(user=request.user, number_from=query.validated_data["from"],
                            number_to=query.validated_data["to"])
        except NotFound as exc:
            # A number the person cannot see (unknown, or a draft of head office's): said beside its field.
            context["errors"] = {exc.field: exc.message}
            status = 404
        else:
            by_number = {v.number: v for v in versions}
            context.update(diff=diff, summary=_summary(diff), version_from=by_number[diff.number_from], version_to=by_number[diff.number_to],
                           criteria_changed=[{"entry": c, "changes": _changes(c.changes)}
                                             for c in diff.criteria_changed],
                           touch_points_changed=[{"entry": t, "changes": _changes(t.changes)}
                                                 for t in diff.touch_points_changed],
                           order=_changes([diff.touch_point_order]) if diff.touch_point_order else None)
    return render(request, "pages/standard_diff.html", context, status=status)


def _summary(diff) -> str:
    """"2 criteria changed, 1 touch point added": the kinds of change there are, none said as zero."""
    parts = [
        (n := len(diff.criteria_changed), ngettext("%(n)s criterion changed", "%(n)s criteria changed", n)),
        (n := len(diff.criteria_added), ngettext("%(n)s criterion added", "%(n)s criteria added", n)),
        (n := len(diff.criteria_removed), ngettext("%(n)s criterion removed", "%(n)s criteria removed", n)),
        (n := len(diff.touch_points_changed), ngettext("%(n)s touch point renamed or reworded",
                                                       "%(n)s touch points renamed or reworded", n)),
        (n := len(diff.touch_points_added), ngettext("%(n)s touch point added", "%(n)s touch points added", n)),
        (n := len(diff.touch_points_removed), ngettext("%(n)s touch point removed", "%(n)s touch points removed",
                                                       n))]
    said = [words % {"n": n} for n, words in parts if n]
    if diff.touch_point_order is not None:
        said.append(gettext("the touch points reordered"))
    return ", ".join(said)


def _int_or_none(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
