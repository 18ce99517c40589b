"""Reading the audit trail: head office only, filtered by what the API and the page share (``EntryFilter``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.errors import AppError, Forbidden
from backend.inputs import NUL, iso_day
from sites import access

from .models import Action, AuditEntry, ChainCheck

FILTERS = ("action", "actor", "site", "since", "until", "target")


@dataclass(frozen=True)
class EntryFilter:
    actions: tuple[str, ...] = ()
    actor: str | None = None
    site: str | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive
    target_type: str | None = None
    target_id: str | None = None

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.actions:
            entries = entries.filter(action__in=self.actions)
        if self.actor is not None:
            entries = entries.filter(actor_name=self.actor)
        if self.site is not None:
            entries = entries.filter(site_code=self.site)
        if self.since is not None:
            entries = entries.filter(at__gte=self.since)
        if self.until is not None:
            entries = entries.filter(at__lt=self.until)
        if self.target_type is not None:
            entries = entries.filter(target_type=self.target_type)
        if self.target_id is not None:
            entries = entries.filter(target_id=self.target_id)
        return entries


def entry_filter(params) -> EntryFilter:
    """The filters of a query string; a 400 naming the parameter for a value that could match nothing sensible.

    ``action``: one or more actions, comma-separated (``photo.reviewed,check.amended``); ``actor``: a username
    (as it was when the entry was written); ``site``: a site code; ``since``/``until``: a day (YYYY-MM-DD, UTC,
    both ends included) or an ISO 8601 time with its offset; ``target``: ``app.model`` or ``app.model:id``."""
    values = {}
    for name in FILTERS:
        value = (params.get(name) or "").strip()
        if NUL in value:
            raise AppError(_("%(name)s: the NUL character is not allowed.") % {"name": name}, field=name)
        values[name] = value or None
    actions = tuple(a.strip() for a in (values["action"] or "").split(",") if a.strip())
    unknown = [a for a in actions if a not in Action.values]
    if unknown:
        raise AppError(_("action: %(unknown)s is not an action of the audit trail; one of %(known)s.")
                       % {"unknown": ", ".join(unknown), "known": ", ".join(Action.values)}, field="action")
    since, until = _moment(values["since"], "since", end=False), _moment(values["until"], "until", end=True)
    if since is not None and until is not None and until <= since:
        raise AppError(_("until: it must be after since."), field="until")
    target_type, target_id = None, None
    if values["target"]:
        target_type, _sep, target_id = values["target"].partition(":")
        if "." not in target_type:
            raise AppError(_("target: app.model or app.model:id, e.g. consistency.evidence:<id>."), field="target")
        target_id = target_id or None
    return EntryFilter(actions=actions, actor=values["actor"], site=values["site"], since=since, until=until,
                       target_type=target_type, target_id=target_id)


def _moment(raw: str | None, name: str, *, end: bool) -> dt.datetime | None:
    if raw is None:
        return None
    day = iso_day(raw)
    if day is not None:  # a whole day: until includes it
        return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise AppError(_("%(name)s: a day (YYYY-MM-DD) or a time with its offset (2026-12-05T08:00:00+13:00), "
                         "not %(raw)r.") % {"name": name, "raw": raw}, field=name)
    return moment


def require_reader(user) -> None:
    """The trail is head office's to read: every other role is refused (403), whatever the filter."""
    if not access.is_head_office(user):
        raise Forbidden(_("Only head office may read the audit trail."))


def entry_list(*, user, filters: EntryFilter) -> QuerySet[AuditEntry]:
    """The entries ``filters`` select, newest first (every column is the entry's own: no join)."""
    require_reader(user)
    return filters.apply(AuditEntry.objects.all()).order_by("-seq")


def last_check(*, user) -> ChainCheck | None:
    require_reader(user)
    return ChainCheck.objects.order_by("-checked_at", "-id").first()


def head_seq() -> int:
    """The newest entry's number (0 for none): one index read."""
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
