"""After a photo is verified: the criterion re-judged against the day's verified photos, the check rescored,
the variance summaries told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ...models import CheckResult, DailyCheck
from ...selectors import evidence as evidence_selectors
from .. import rollup, scoring


def rejudge(*, check_id: int, criterion_ids: list[int], notify: bool = True) -> None:
    """Re-judge criteria of the current check of check ``check_id``'s day against their verified photos,
    rescore it, tell rollup. A photo counts for the day's current check: the amendment, when the check it
    was given for has been amended (before its confirmation, or during it). Call inside the transaction
    that changed the evidence. ``notify=False`` leaves the rollup call to a caller that re-judges many
    checks of one site in one transaction and then calls it once."""
    day = DailyCheck.objects.only("site_id", "date").get(pk=check_id)
    # The site's lock, as every writer of its checks takes it first: two photos of one day verified at once
    # are counted one after the other, and an amendment of the day either has committed (its check is the
    # current one read below) or waits for this transaction (and then counts this photo itself).
    rollup.lock_site(day.site_id)
    rejudge_days(site_id=day.site_id, criteria_by_day={day.date: criterion_ids})
    if notify:
        rollup.results_changed(site_id=day.site_id, dates=[day.date], site_locked=True)


def rejudge_days(*, site_id: int, criteria_by_day: dict[dt.date, Iterable[int]]) -> None:
    """``rejudge`` for many days of one site at once: a few queries, and one per day (the demo seeding
    re-judges thousands of checks). The caller holds the site's lock and tells rollup."""
    if not criteria_by_day:
        return
    days = list(criteria_by_day)
    # Every current check of those days: a day may have the site's own and a department's (each its criteria).
    checks = list(DailyCheck.objects.filter(site_id=site_id, date__in=days, is_current=True)
                  .only("id", "site_id", "date", "score"))
    results = (CheckResult.objects.filter(daily_check_id__in=[c.pk for c in checks]).select_related("criterion")
               .only("id", "daily_check_id", "criterion_id", "met", "passed", "criterion__weight",
                     "criterion__photos_required"))
    # Verified photos per criterion of each day, whichever of the day's checks they were attached to.
    verified = {day: evidence_selectors.verified_photos_of_day(site_id=site_id, day=day,
                                                               criterion_ids=list(criteria_by_day[day]))
                for day in sorted({c.date for c in checks})}
    by_check: dict[int, list[CheckResult]] = {}
    for result in results:
        by_check.setdefault(result.daily_check_id, []).append(result)
    changed_results, changed_checks = [], []
    for check in checks:
        day = check.date
        wanted = set(criteria_by_day[day])
        judged = []
        for result in by_check.get(check.pk, []):
            if result.criterion_id in wanted:
                now_passed = scoring.passed(met=result.met, photos_required=result.criterion.photos_required,
                                            photos_verified=verified[day].get(result.criterion_id, 0))
                if now_passed != result.passed:
                    result.passed = now_passed
                    changed_results.append(result)
            judged.append((result.criterion.weight, result.passed))
        score = scoring.check_score(judged)
        if score != check.score:
            check.score = score
            changed_checks.append(check)
    CheckResult.objects.bulk_update(changed_results, ["passed"], batch_size=1000)
    DailyCheck.objects.bulk_update(changed_checks, ["score"], batch_size=1000)
