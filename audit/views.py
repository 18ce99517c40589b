"""/app/audit/ (head office): the audit trail, filtered as the API filters it (``audit.selectors``), a page of 50
entries at a time by position in the chain, and the last verification of the chain.

The verification shown is the daily task's (``audit.verify_chain``, kept as a ``ChainCheck``), not one run for
the page: walking the whole chain takes minutes per million entries, far too long for a page and pointless to repeat
on every view. The page says how many entries were written since, which the next run will cover.
"""

from __future__ import annotations

import json

import django_tables2 as tables
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.errors import AppError
from pages.views.common import page, require_role
from sites.models import Role

from . import selectors
from .models import Action, AuditEntry

PER_PAGE = 50
NAV_LABEL = gettext_lazy("Audit trail")  # the header's link (pages.context), for head office


def details(data: dict) -> list[tuple[str, str]]:
    """An entry's data as lines a person reads: ``before → after`` where both are given, lists joined."""
    lines = []
    for key, value in sorted(data.items()):  # jsonb keeps keys shortest first; a reader looks them up by name
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            text = f"{_text(value['before'])} → {_text(value['after'])}"
        elif isinstance(value, dict) and all(isinstance(v, dict) and set(v) == {"before", "after"}
                                             for v in value.values()) and value:
            text = "; ".join(f"{k}: {_text(v['before'])} → {_text(v['after'])}" for k, v in value.items())
        else:
            text = _text(value)
        lines.append((key.replace("_", " "), text))
    return lines


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "–"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class EntryTable(tables.Table):
    seq = tables.Column(verbose_name=pgettext_lazy("audit trail", "No."), attrs={"td": {"class": "num"}})
    at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=gettext_lazy("When (UTC)"),
                               attrs={"td": {"class": "nowrap"}})
    actor_name = tables.Column(verbose_name=pgettext_lazy("audit trail", "Who"), empty_values=())
    action = tables.Column(verbose_name=pgettext_lazy("audit trail", "What"))
    target_id = tables.Column(verbose_name=pgettext_lazy("audit trail", "On"))
    site_code = tables.Column(verbose_name=gettext_lazy("Site"), attrs={"td": {"class": "nowrap"}})
    data = tables.Column(verbose_name=gettext_lazy("Details"), empty_values=())

    class Meta:
        orderable = False  # the chain's order, newest first: the trail is read by position, as it was written
        template_name = "audit/trail_table.html"
        attrs = {"class": "trail"}

    def render_actor_name(self, value):
        return value or format_html('<span class="muted">{}</span>', _("the system"))

    def render_action(self, record: AuditEntry):
        return format_html('<span title="{}">{}</span>', record.action, record.get_action_display())

    def render_target_id(self, record: AuditEntry):
        # One element: on a phone each cell is a grid of its label and its value.
        return format_html('<span><span class="muted small">{}</span> {}</span>', record.target_type,
                           record.target_id)

    def render_data(self, value):
        lines = details(value or {})
        if not lines:
            return ""
        return format_html('<dl class="details">{}</dl>',
                           format_html_join("", "<dt>{}</dt><dd>{}</dd>", lines))


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before") or None
    if raw is not None and not raw.isdigit():
        raise AppError(_("before: an entry number."), field="before")
    return int(raw) if raw is not None else None


def _page_url(request: HttpRequest, before: int | None) -> str:
    """This page with the same filters, from entry ``before`` down (None: from the newest)."""
    query = request.GET.copy()
    query.pop("before", None)
    if before is not None:
        query["before"] = str(before)
    return f"{request.path}?{query.urlencode()}"


@page
def trail(request):
    require_role(request, Role.HEAD_OFFICE)
    context = {"actions": Action.choices, "values": {name: request.GET.get(name, "") for name in selectors.FILTERS},
               "verification": selectors.last_check(user=request.user), "head_seq": selectors.head_seq()}
    status = 200
    try:
        filters, before = selectors.entry_filter(request.GET), _before(request)
    except AppError as error:
        context["refusal"], status = error.message, 400
    else:
        entries = selectors.entry_list(user=request.user, filters=filters)
        if before is not None:
            entries = entries.filter(seq__lt=before)
        rows = list(entries[:PER_PAGE + 1])
        context["table"] = EntryTable(rows[:PER_PAGE])
        context["older_url"] = _page_url(request, rows[PER_PAGE - 1].seq) if len(rows) > PER_PAGE else None
        context["newest_url"] = _page_url(request, None) if before is not None else None
    last = context["verification"]
    context["unverified"] = context["head_seq"] - (last.head_seq or 0) if last is not None and last.intact else 0
    template = "audit/trail_results.html" if getattr(request, "htmx", False) else "audit/trail.html"
    return render(request, template, context, status=status)
