"""Criteria not applicable at a site (consistency.services.applicability) in the compliance pack's content: the
site's marks of the period (the pack's ``not_applicable``). The PDFs draw them with reports/rendering/not_applicable.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consistency.services import applicability


@dataclass(frozen=True)
class PackMark:
    criterion: str
    prompt: str
    starts_on: dt.date
    ends_on: dt.date | None
    reason: str
    marked_by: str
    marked_at: dt.datetime


def pack_marks(*, site, date_from: dt.date, date_to: dt.date, prompts: dict[str, str]) -> list[PackMark]:
    """The marks of ``site`` covering some day of the period (one query); ``prompts``: criterion key -> prompt."""
    marks = (applicability.mark_list(user=None, site=site, include_all=True)
             .filter(applicability.covering(date_from, date_to)))
    return [PackMark(m.criterion_key, prompts.get(m.criterion_key, m.criterion_key), m.starts_on, m.ends_on, m.reason,
                     m.created_by.get_username(), m.created_at) for m in marks]
