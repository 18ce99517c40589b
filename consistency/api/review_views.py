"""Photo review, retake requests and reference photos over HTTP. Views wire HTTP to the services.

- ``POST /evidence/{id}/review/``: head office, or an auditor of the photo's site, rejects a verified photo of a
  check or clears a flagged one (404 outside what they read, 403 to other readers, 409 when the photo is not in
  the state the decision needs).
- ``GET /sites/{code}/retakes/``: a site's retake requests, for whoever reads the site.
- ``PUT``/``DELETE /standard/criteria/{key}/reference-photo/``: head office puts or removes a criterion's
  reference photo; ``GET`` reads it. ``GET /standard/reference-photos/{id}/{original|thumbnail}/``: its files.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.body_limits import body_limit
from backend.errors import AppError, NotFound
from backend.pagination import Pagination
from backend.permissions import HeadOfficeWrites
from sites.selectors import site_get

from ..selectors import evidence as evidence_selectors
from ..selectors.review import RETAKE_STATUSES, retake_list
from ..services import images, reference_photos
from ..services.evidence import review as review_services
from . import review_serializers as s
from .evidence_views import _context


class EvidenceReviewView(APIView):
    @extend_schema(
        request=s.ReviewRequestSerializer, responses={201: s.EvidenceWithReviewsSerializer},
        summary="Reject a verified photo (a retake is asked for) or clear a flagged one, with a reason",
        description="Head office, or an auditor of the photo's site. `reject`: a daily check's verified photo stops "
                    "counting; the criterion it supported is re-judged (not passed while the photos it requires "
                    "are missing), a retake request opens, due RETAKE_DUE_HOURS later, and the site's managers are "
                    "told. 409 `not_verified` for a photo that is not verified, `not_a_check_photo` for an "
                    "action's or an audit's. `clear`: a photo flagged reused or stale is trusted; 409 "
                    "`not_flagged`, `already_cleared`. The answer is the photo with its reviews.",
    )
    def post(self, request, public_id):
        evidence = review_services.review_target(user=request.user, public_id=public_id)
        body = s.ReviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_services.photo_review(user=request.user, evidence=evidence, decision=body.validated_data["decision"],
                                     reason=body.validated_data["reason"])
        evidence = evidence_selectors.evidence_get(user=request.user, public_id=public_id)
        return Response(s.EvidenceWithReviewsSerializer(evidence, context=_context(request, [evidence])).data,
                        status=status.HTTP_201_CREATED)


class SiteRetakesView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages

    @extend_schema(parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=list(RETAKE_STATUSES),
                                                description="Only the requests in this state; default: all.")],
                   responses=s.RetakeSerializer(many=True),
                   summary="A site's retake requests (photos rejected on review), the soonest deadline first")
    def get(self, request, code: str):
        site = site_get(user=request.user, code=code)
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in RETAKE_STATUSES:
            raise AppError(f"status: one of {', '.join(RETAKE_STATUSES)}, not {wanted!r}.", field="status")
        now = timezone.now()
        paginator = Pagination()
        page = paginator.paginate_queryset(retake_list(site=site, status=wanted, now=now), request, view=self)
        return paginator.get_paginated_response(s.RetakeSerializer(page, many=True, context={"now": now}).data)


@body_limit(lambda: settings.MAX_PHOTO_BYTES, what="a photo")  # refused unread past it (backend.body_limits)
class ReferencePhotoView(APIView):
    permission_classes = [HeadOfficeWrites]
    parser_classes = [MultiPartParser]

    @extend_schema(responses=s.ReferencePhotoSerializer, summary="A criterion's reference photo (404 if none)")
    def get(self, request, key: str):
        photo = reference_photos.current_photos().get(key)
        if photo is None:
            raise NotFound(f"key: {key!r} has no reference photo.", field="key")
        return Response({"criterion": key, **reference_photos.photo_urls(photo, request)})

    @extend_schema(request={"multipart/form-data": s.ReferencePhotoUploadSerializer},
                   responses={200: s.ReferencePhotoSerializer},
                   summary="Put a criterion's reference photo (head office): what \"right\" looks like",
                   description="Replaces the current one (which stays on record). The image is checked as a photo "
                               "of evidence is: 400 naming `file` when it is not an acceptable JPEG, PNG or HEIC.")
    def put(self, request, key: str):
        body = s.ReferencePhotoUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        photo = reference_photos.reference_photo_put(
            user=request.user, criterion_key=key, file=upload.file, size=upload.size,
            content_type=images.part_type(upload.content_type, upload.name), caption=body.validated_data.get("caption", ""))
        return Response({"criterion": key, **reference_photos.photo_urls(photo, request)})

    @extend_schema(responses={204: None}, summary="Remove a criterion's reference photo (head office)")
    def delete(self, request, key: str):
        reference_photos.reference_photo_remove(criterion_key=key, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReferencePhotoFileView(APIView):
    @extend_schema(responses={(200, t): OpenApiTypes.BINARY for t in images.ALLOWED_TYPES},
                   summary="A reference photo's file (everyone signed in reads the standard)")
    def get(self, request, pk: int, which: str):
        return reference_photos.file_response(pk=pk, which=which)
