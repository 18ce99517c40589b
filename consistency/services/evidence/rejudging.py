"""After a photo is verified: the criterion re-judged against the day's verified photos, the check rescored,
the variance summaries told."""

from __future__ import annotations

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
    check = (DailyCheck.objects.filter(site_id=day.site_id, date=day.date, is_current=True)
             .only("id", "site_id", "date", "score").first()) or day
    results = list(CheckResult.objects.filter(daily_check_id=check.pk)
                   .values_list("id", "criterion_id", "met", "passed", "criterion__weight",
                                "criterion__photos_required"))
    verified = evidence_selectors.verified_photos_of_day(site_id=check.site_id, day=check.date,
                                                         criterion_ids=criterion_ids)
    judged = []
    for pk, criterion_id, met, was_passed, weight, photos_required in results:
        now_passed = was_passed
        if criterion_id in criterion_ids:
            now_passed = scoring.passed(met=met, photos_required=photos_required,
                                        photos_verified=verified.get(criterion_id, 0))
            if now_passed != was_passed:
                CheckResult.objects.filter(pk=pk).update(passed=now_passed)
        judged.append((weight, now_passed))
    score = scoring.check_score(judged)
    if score != check.score:
        check.score = score
        check.save(update_fields=["score"])
    if notify:
        rollup.results_changed(site_id=check.site_id, dates=[check.date], site_locked=True)
