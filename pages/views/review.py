"""The pages' side of photo review: head office or an auditor rejects or clears a photo from the site page
(htmx, or a plain form), and a manager sends the retake asked for from /app/today/. Thin: the services the API
calls decide everything (``consistency.services.evidence.review``, ``.uploads``, ``.targets``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.body_limits import body_limit
from backend.errors import AppError
from consistency.models import DailyCheck, RetakeRequest
from consistency.selectors import evidence as evidence_selectors
from consistency.services import evidence as evidence_services
from consistency.services import images
from consistency.services.evidence import review as review_services
from sites import access

from .common import page


@require_POST
@page
def photo_review(request, public_id):
    """Reject or clear a photo (the API's ``POST /api/v1/evidence/{id}/review/``): answered with the review's
    outcome in place of the form (htmx), or back to the site page with a message."""
    evidence = review_services.review_target(user=request.user, public_id=public_id)
    back = f"{reverse('pages:site', args=[evidence.site.code])}#checks-h"
    try:
        review = review_services.photo_review(user=request.user, evidence=evidence,
                                              decision=request.POST.get("decision", ""),
                                              reason=request.POST.get("reason", ""))
    except AppError as refusal:
        if getattr(request, "htmx", False):
            return render(request, "pages/photo_review_form.html",
                          {"p": {"evidence": evidence}, "error": refusal.message,
                           "reason": request.POST.get("reason", "")})
        messages.error(request, refusal.message)
        return redirect(back)
    if getattr(request, "htmx", False):
        return render(request, "pages/photo_review_done.html", {"review": review, "evidence": evidence})
    if review.decision == "reject":
        messages.success(request, _("Photo rejected: a retake is asked for."))
    else:
        messages.success(request, _("Photo cleared: it is trusted."))
    return redirect(back)


@body_limit(lambda: settings.MAX_PHOTO_BYTES, what="a photo")  # refused unread past it (backend.body_limits)
@require_POST
@page
def retake_photo(request, retake_id: int):
    """The manager sends the photo a retake request asks for (the API's multipart upload to the day's current
    check, for that criterion): back to /app/today/ with a message saying how it went."""
    retake = (RetakeRequest.objects.filter(pk=retake_id, site__in=access.readable_sites(request.user))
              .select_related("site", "criterion", "daily_check").first())
    if retake is None:
        raise Http404("No such retake request among your sites.")
    if not access.writable_sites(request.user).filter(pk=retake.site_id).exists():
        raise PermissionDenied("Only the site's own people send its photos.")
    back = f"{reverse('pages:today')}?site={retake.site.code}"
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("file: choose the new photo to send."))
        return redirect(back)
    current = (DailyCheck.objects.filter(site_id=retake.site_id, date=retake.daily_check.date, is_current=True,
                                         department_id=retake.daily_check.department_id).first())
    check = evidence_selectors.check_for_evidence(user=request.user, check_id=current.pk, for_write=True)
    try:
        evidence_services.evidence_upload(
            user=request.user, target=evidence_services.target_for_check(check), criterion_key=retake.criterion.key,
            file=upload.file, size=upload.size, content_type=images.part_type(upload.content_type, upload.name))
    except AppError as refusal:
        messages.error(request, refusal.message)
        return redirect(back)
    messages.success(request, _("Thank you: the new photo is verified and counts for %(day)s.")
                     % {"day": retake.daily_check.date.isoformat()})
    return redirect(back)
