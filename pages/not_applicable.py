"""What the pages show of criteria not applicable at a site (consistency.services.applicability): the marks of a
site for its page, and those of a day for the checklist. Formatting only: the rule and the writes are the
service's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consistency.selectors import checks as check_selectors
from consistency.selectors.standard import version_in_force
from consistency.services import applicability
from sites import access


def checklist_marks(checklist: list[dict], *, site, day: dt.date) -> None:
    """Each checklist item of a criterion marked not applicable at ``site`` on ``day`` gets ``not_applicable``
    (the mark): the page shows its reason instead of a control, and the script sends nothing for it. One query."""
    marks = applicability.not_applicable_keys(site_ids=[site.pk], first=day).get(site.pk, {})
    for group in checklist:
        for item in group["criteria"]:
            found = marks.get(item["c"].key)
            if found:
                item["not_applicable"] = found[0]


def site_marks(*, user, site, error=None, values: dict | None = None) -> dict:
    """The "Not applicable here" part of a site's page: the marks that apply today or later (ended ones are
    history, in the API), and for head office the form to mark one (criteria of the version in force on the
    site's today) and to end one."""
    today = timezone.localtime(timezone.now(), site.tz).date()
    marks = list(applicability.mark_list(user=user, site=site).filter(
        applicability.covering(today, dt.date.max)))
    can_write = access.is_head_office(user)
    criteria = []
    if can_write:
        version = version_in_force(on=today)
        if version is not None:
            criteria = [(rule.key, rule.prompt) for rule in check_selectors.version_criteria(version).by_key.values()]
    prompts = dict(criteria)
    return {"na_site": site, "na_marks": [(m, prompts.get(m.criterion_key, m.criterion_key)) for m in marks],
            "na_can_write": can_write, "na_criteria": criteria, "na_today": today, "na_error": error,
            "na_values": values or {}}
