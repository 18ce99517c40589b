"""The pages' tables (django-tables2): sortable, paged tables over what a selector or the engine returns.

The league table lists the engine's SiteVariance rows as they are; its cells format the engine's numbers.
Sorting runs on the rows in Python (the engine's answer is a list, not a queryset): a site without a score
(nothing was expected of it) or without a trend sorts last in either direction, so it never tops a ranking."""

from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableListData

from consistency.variance import SiteVariance
from customer.perception import SiteGap

from .format import count, direction, interval, pct, points
from .perception import gap_text

SORT_KEYS: dict[str, Callable[[SiteVariance], object]] = {
    "site": lambda s: s.code,
    "region": lambda s: s.region,
    "score": lambda s: s.score,
    "trend": lambda s: s.trend,
    "missed": lambda s: s.missed_days,
    "checked": lambda s: s.checked_days,
    "late": lambda s: s.late_checks,
    "photos": lambda s: s.photos.suspect,
}


class SiteRows(TableListData):
    """SiteVariance rows sorted by SORT_KEYS (and the table's own ``keys``): ties by site code, missing values
    last both ways."""

    def __init__(self, data, keys: dict[str, Callable[[SiteVariance], object]] | None = None):
        super().__init__(data)
        self.keys = {**SORT_KEYS, **(keys or {})}

    def order_by(self, aliases):
        rows = sorted(self.data, key=lambda s: s.code)
        for alias in reversed(list(aliases)):
            key = self.keys[alias.lstrip("-")]
            present = [r for r in rows if key(r) is not None]
            missing = [r for r in rows if key(r) is None]
            present.sort(key=key, reverse=alias.startswith("-"))  # stable: ties keep the code order
            rows = present + missing
        self.data = rows


class LeagueTable(tables.Table):
    # Each column's accessor names a field the row has: a failed lookup would cost a repr of the whole row
    # (its 40 criteria) in django-tables2's error message, for every cell.
    site = tables.Column(accessor="code", empty_values=(), verbose_name=_("Site"), attrs={"th": {"scope": "col"}})
    region = tables.Column(empty_values=(), verbose_name=_("Region"), attrs={"th": {"scope": "col"}})
    score = tables.Column(empty_values=(), verbose_name=_("Score"),
                          attrs={"th": {"scope": "col"}, "td": {"class": "num"}})
    trend = tables.Column(empty_values=(), verbose_name=_("Trend"), attrs={"th": {"scope": "col"}, "td": {"class": "num"}})
    missed = tables.Column(accessor="missed_days", empty_values=(), verbose_name=_("Missed days"), initial_sort_descending=True,
                           attrs={"th": {"scope": "col"}, "td": {"class": "num"}})
    checked = tables.Column(accessor="checked_days", empty_values=(), verbose_name=_("Checked days"),
                            attrs={"th": {"scope": "col"}, "td": {"class": "num"}})
    late = tables.Column(accessor="late_checks", empty_values=(), verbose_name=_("Late checks"), initial_sort_descending=True,
                         attrs={"th": {"scope": "col"}, "td": {"class": "num"}})
    photos = tables.Column(accessor="photos__suspect", empty_values=(), verbose_name=_("Photos flagged"), initial_sort_descending=True,
                           attrs={"th": {"scope": "col"}, "td": {"class": "num"}})
    # The perception gap's optimism (customer.perception: self-check minus audit on the criteria the audits
    # observed), from the one engine call of the page; most optimistic first when sorted.
    gap = tables.Column(accessor="code", empty_values=(), verbose_name=_("Self-check − audit"),
                        initial_sort_descending=True, attrs={"th": {"scope": "col"}, "td": {"class": "num"}})

    class Meta:
        template_name = "pages/overview_table.html"
        order_by = ("score",)  # the weakest sites first: what head office acts on
        attrs = {"class": "league"}
        row_attrs = {"class": lambda record: "below" if record.flagged else ""}
        empty_text = _("No site matches.")

    def __init__(self, rows: list[SiteVariance], *, period_query: str, region_names: dict[str, str],
                 gaps: dict[str, SiteGap] | None = None, **kwargs):
        self.period_query = period_query
        self.region_names = region_names
        self.gaps = gaps or {}
        keys = {"gap": lambda s: self.gaps[s.code].optimism.value if s.code in self.gaps else None}
        super().__init__(SiteRows(rows, keys), **kwargs)

    def render_site(self, record: SiteVariance):
        href = f"{reverse('pages:site', kwargs={'code': record.code})}?{self.period_query}"
        return format_html('<a href="{}">{}</a> <span class="muted small">{}</span>', href, record.code, record.name)

    def render_region(self, record: SiteVariance):
        return self.region_names.get(record.region, record.region)

    def render_score(self, record: SiteVariance):
        if record.score is None:
            return format_html('<span class="muted">{}</span>', gettext("not expected"))
        badge = ""
        if record.flag:
            badge = format_html(' <span class="badge {}">{}</span>', record.flag, flag_text(record.flag))
        return format_html('{}{}<br><span class="muted small">{} {}</span>', pct(record.score), badge,
                           gettext("95% CI"), interval(record.score_interval))

    def render_trend(self, record: SiteVariance):
        way = direction(record.trend)
        arrow = {"up": "▲", "down": "▼", "same": "="}.get(way, "")
        return format_html('<span class="trend {}"><span aria-hidden="true">{}</span> {}</span>', way, arrow,
                           points(record.trend))

    def render_missed(self, record: SiteVariance):
        return count(record.missed_days)

    def render_checked(self, record: SiteVariance):
        return format_html("{} <span class='muted small'>{}</span>", count(record.checked_days),
                           gettext("of %(expected)s") % {"expected": count(record.expected_days)})

    def render_late(self, record: SiteVariance):
        return count(record.late_checks)

    def render_gap(self, record: SiteVariance):
        site = self.gaps.get(record.code)
        if site is None or site.optimism.value is None:
            why = gettext("no audit") if site is None or not site.audits else gettext("no data to compare")
            return format_html('<span class="muted small">{}</span>', why)
        g = gap_text(site.optimism)
        marker = format_html(' <span class="badge warn">{}</span>', pgettext("a gap", "clear")) if g.supported else ""
        return format_html('<span class="gap {}">{}</span>{}<br><span class="muted small">{}</span>', g.way, g.text,
                           marker, g.interval)

    def render_photos(self, record: SiteVariance):
        p = record.photos
        if not p.suspect:
            return format_html('0 <span class="muted small">{}</span>',
                               gettext("of %(verified)s") % {"verified": count(p.verified)})
        return format_html('{} <span class="muted small">{}</span>', count(p.suspect),
                           gettext("of %(verified)s: %(reused)s reused, %(stale)s stale") % {
                               "verified": count(p.verified), "reused": count(p.reused), "stale": count(p.stale)})


def flag_text(flag: str) -> str:
    """A site's flag against the network, in words: "below network", "above network"."""
    return {"below": gettext("below network"), "above": gettext("above network")}.get(flag, flag)


def paginate(table: tables.Table, request, *, per_page: int) -> None:
    """Page ``table`` as the address asks (?page=), at the page size the page chose. Not RequestConfig's
    paging: it lets the address set ``per_page`` too (?per_page=1000000 lists everything; a negative one is a
    500), and a page number that is not one, or past the end, is the first or the last page, not an error."""
    field = table.prefixed_page_field
    try:
        table.paginate(per_page=per_page, page=max(1, int(request.GET.get(field) or 1)))
    except (ValueError, PageNotAnInteger):
        table.paginate(per_page=per_page, page=1)
    except EmptyPage:
        table.paginate(per_page=per_page, page=table.paginator.num_pages)
