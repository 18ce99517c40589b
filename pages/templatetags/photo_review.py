"""What the pages show of photo reviews, retake requests and reference photos, read by the selectors the API
uses (``consistency.selectors.review``, ``consistency.services.reference_photos``). Tags rather than view code:
the checklist and the site page include them where they belong, and each reads once per page (the reference
photos once for every criterion of the checklist, kept on the request)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone

from consistency.selectors.review import retake_list, site_reviews
from consistency.services import evidence_files, reference_photos
from consistency.services.evidence import retakes
from consistency.services.evidence.review import flags as _flags
from consistency.services.evidence.review import may_review as _may_review
from pages.format import kilometres, whole_pct

register = template.Library()


@register.filter
def may_review(user) -> bool:
    """Whether ``user`` rejects and clears photos (head office, auditors): the API's rule."""
    return _may_review(user)


@register.filter
def photo_flags(evidence) -> list[str]:
    """The trust flags the photo carries (``review.flags``: the one rule the API and the review use)."""
    return _flags(evidence)


@register.filter
def reuse_kind(kind: str) -> str:
    """How a reused photo repeats the earlier one, in the page's language (the pack's words)."""
    from reports.rendering.words import reuse_kind as words

    return words(kind)


@register.filter
def percent(score: float | None) -> str:
    """0.93 -> "93%" (the pages' format: ``pages.format``)."""
    return "" if score is None else whole_pct(score)


@register.filter
def km(metres: int | None) -> str:
    """Metres as kilometres with one decimal and the language's decimal mark."""
    return kilometres(metres)


@register.simple_tag(takes_context=True)
def reference_photo(context, criterion_key: str) -> dict | None:
    """The criterion's reference photo ({url, thumbnail_url, caption, width, height}), as the standard's answer
    shows it; the current photos are read once per request."""
    request = context.get("request")
    memo = request.__dict__.setdefault("_reference_photo_memo", {}) if request is not None else {}
    photo = reference_photos.current_photos(memo).get(criterion_key)
    return reference_photos.photo_urls(photo) if photo is not None else None


@dataclass
class RetakeShown:
    retake: object
    status: str  # open | overdue


@register.simple_tag
def waiting_retakes(site, department=None) -> list[RetakeShown]:
    """The site's retake requests not yet answered (open, then overdue ones: a day still in its late window takes
    the photo anyway), of the person's part of the check (``department``: None for the site's own), the soonest
    deadline first."""
    now = timezone.now()
    part = department.pk if department is not None else None
    shown = [RetakeShown(r, retakes.status_of(r, now)) for r in retake_list(site=site, now=now)
             if r.fulfilled_at is None and r.daily_check.department_id == part]
    return sorted(shown, key=lambda s: (s.status != "open", s.retake.due_at))


@dataclass
class ReviewShown:
    review: object
    thumbnail: str | None
    original: str | None
    retake: object | None
    retake_status: str | None


@register.simple_tag(takes_context=True)
def photo_reviews(context, site, period) -> list[ReviewShown]:
    """The reviews of the site's photos of the period, with the photo's links (a rejected photo still opens: the
    history keeps it) and the retake each rejection asked for."""
    if period is None:
        return []
    user, now = context["request"].user, timezone.now()
    out = []
    for review in site_reviews(site=site, date_from=period.date_from, date_to=period.date_to):
        photo = review.evidence
        retake = getattr(review, "retake", None) if hasattr(review, "retake") else None
        out.append(ReviewShown(review, evidence_files.photo_link(photo, "thumbnail", reader=user),
                               evidence_files.photo_link(photo, "original", reader=user), retake,
                               retakes.status_of(retake, now) if retake is not None else None))
    return out
