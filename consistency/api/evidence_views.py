"""Photo evidence over HTTP: ask for an upload (JSON) or upload through the API (multipart), confirm,
read. Scope: a manager reaches only their own sites (404 elsewhere), an auditor reads (403 on writes)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.body_limits import body_limit
from backend.parsers import JSONParser
from sites import access

from .. import storage
from ..selectors import evidence as selectors
from ..services import evidence as services
from ..services import evidence_files, images
from . import evidence_serializers as s
from .idempotent import KEY_PARAMETER, Answer, idempotent_post, request_key
from .review_serializers import EvidenceWithReviewsSerializer as ReviewedEvidence


def _context(request, items) -> dict:
    """Which of the sites that reused photos come from this user may read: one query, only if any. And who
    the photo links are made for."""
    other_sites = {e.reused_from.site_id for e in items if e.reused_from_id}
    readable = set()
    if other_sites:
        readable = set(access.readable_sites(request.user).filter(id__in=other_sites).values_list("id", flat=True))
    return {"readable_site_ids": readable, "reader": request.user, "request": request}


def evidence_body(request, evidence) -> dict:
    return s.EvidenceSerializer(evidence, context=_context(request, [evidence])).data


# An oversized upload is refused before Django spools it to disk (backend.body_limits).
@body_limit(lambda: settings.MAX_PHOTO_BYTES, what="a photo")
class _AttachView(APIView):
    """GET lists the photos of a check/action; POST JSON asks for a direct upload, POST multipart uploads."""

    parser_classes = [JSONParser, MultiPartParser]

    def target(self, request, pk: int, *, for_write: bool):
        raise NotImplementedError

    def get(self, request, pk: int):
        target = self.target(request, pk, for_write=False)
        items = list(selectors.evidence_list(daily_check=target.daily_check, action=target.action))
        return Response(s.EvidenceSerializer(items, many=True, context=_context(request, items)).data)

    def post(self, request, pk: int):
        multipart = request.content_type.startswith("multipart/")
        target = self.target(request, pk, for_write=True)
        if multipart:
            return self._upload(request, target)

        def ask() -> Answer:
            body = s.EvidenceRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            evidence, upload = services.evidence_request(
                user=request.user, target=target, criterion_key=data.get("criterion"),
                content_type=data["content_type"], size=data["size"], sha256=data["sha256"],
            )
            out = dict(evidence_body(request, evidence))
            out["upload"] = s.UploadFormSerializer(upload).data
            return Answer(status.HTTP_201_CREATED, out)

        return idempotent_post(request, ask, atomic=False)  # the service commits, and knows its retries

    def _upload(self, request, target):
        body = s.EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]

        def store() -> Answer:
            uploaded = services.evidence_upload(
                user=request.user, target=target, criterion_key=data.get("criterion"), file=upload.file,
                size=upload.size, content_type=images.part_type(upload.content_type, upload.name), sha256=data.get("sha256"),
            )
            out = dict(evidence_body(request, uploaded.evidence))
            out["upload"] = None
            # A retry of a photo already here (without a key, or with a new one): the same evidence, 200.
            return Answer(status.HTTP_200_OK if uploaded.replayed else status.HTTP_201_CREATED, out,
                          replayed=uploaded.replayed)

        fields = None
        if request_key(request) is not None:  # what makes two uploads the same request: the fields and the bytes
            fields = "\n".join([data.get("criterion") or "", (data.get("sha256") or "").lower(),
                                 upload.content_type or "", _sha256_of(upload.file)]).encode()
        return idempotent_post(request, store, body=fields, atomic=False)  # S3 writes outside a transaction


def _sha256_of(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(storage.CHUNK_BYTES):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


_POST_DOC = dict(
    parameters=[KEY_PARAMETER],
    request={"application/json": s.EvidenceRequestSerializer, "multipart/form-data": s.EvidenceUploadSerializer},
    responses={201: OpenApiResponse(s.EvidenceSerializer, description="The evidence; with JSON, also `upload`: "
                                    "the presigned POST (`url`, form `fields`) to send the photo to."),
               200: OpenApiResponse(s.EvidenceSerializer, description="Multipart: a retry. The same bytes were "
                                    "already given for this check (or action) and criterion: the evidence they "
                                    "made, with `Idempotent-Replayed: true`; nothing new is stored.")},
    description="409 `check_closed`: the check's day is more than LATE_CHECK_WINDOW_DAYS ago at the site; it takes "
                "no new photos (a corrective action's photos are not limited). 409 `check_superseded`: attach to "
                "the current check of the day. 409 `already_attached`: the same photo already counts for the day, "
                "for this criterion or another one, named in the message (multipart: unless it is a retry for this "
                "very check and criterion); `photo_of_a_check`: a "
                "check's photo is no proof that an action's failure was put right.",
)


class CheckEvidenceView(_AttachView):
    def target(self, request, pk, *, for_write):
        check = selectors.check_for_evidence(user=request.user, check_id=pk, for_write=for_write)
        return services.target_for_check(check) if for_write else services.Target(site=check.site,
                                                                                     daily_check=check)

    @extend_schema(responses=s.EvidenceSerializer(many=True), summary="Photos of a daily check")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(summary="Attach a photo to a daily check (presigned POST, or multipart upload)", **_POST_DOC)
    def post(self, request, pk: int):
        return super().post(request, pk)


class ActionEvidenceView(_AttachView):
    def target(self, request, pk, *, for_write):
        action = selectors.action_for_evidence(user=request.user, action_id=pk, for_write=for_write)
        return services.target_for_action(action) if for_write else services.Target(site=action.site,
                                                                                       action=action)

    @extend_schema(responses=s.EvidenceSerializer(many=True), summary="Photos of a corrective action")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(summary="Attach a photo to a corrective action (presigned POST, or multipart upload)",
                   **_POST_DOC)
    def post(self, request, pk: int):
        return super().post(request, pk)


class EvidenceDetailView(APIView):
    @extend_schema(responses=ReviewedEvidence, summary="One photo, its verdict and trust flags, and its reviews")
    def get(self, request, public_id):
        evidence = selectors.evidence_get(user=request.user, public_id=public_id)
        return Response(ReviewedEvidence(evidence, context=_context(request, [evidence])).data)


class EvidenceFileView(APIView):
    """A photo behind its signed, expiring link (consistency.storage's one scheme): made only for a user who
    may read the photo and checked against that user's access again here, so no login is needed to open it.
    Served from local disk, or by a redirect to a presigned GET of seconds on S3."""

    # No sign-in needed, but one is read: a link opened by someone signed in as another user is refused.
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, t): OpenApiTypes.BINARY for t in images.ALLOWED_TYPES},
                   summary="A photo behind the short-lived link given as `url` / `thumbnail_url`")
    def get(self, request, token: str):
        return evidence_files.photo_response(token=token, opener=request.user)


class EvidenceConfirmView(APIView):
    @extend_schema(request=None, responses={200: s.EvidenceSerializer}, parameters=[KEY_PARAMETER],
                   summary="Verify an uploaded photo (409 if not uploaded yet, 422 with the reason if refused)",
                   description="The server reads the upload back and trusts nothing the phone declared. When it is "
                               "accepted, the server keeps its own copy of those very bytes as the original. 409 "
                               "`upload_changed`: the photo was uploaded again while it was being checked; confirm "
                               "again.")
    def post(self, request, public_id):
        evidence = selectors.evidence_get(user=request.user, public_id=public_id, for_write=True)

        def confirm() -> Answer:
            confirmed = services.evidence_confirm(evidence=evidence)
            confirmed = selectors.evidence_get(user=request.user, public_id=confirmed.public_id)
            return Answer(status.HTTP_200_OK, evidence_body(request, confirmed))

        # A refusal is the photo's verdict, recorded: with a key, a retry gets it again.
        # S3 reads and writes outside a transaction (and the site lock): the service commits its verdict itself.
        return idempotent_post(request, confirm, recorded=(services.Refused,), atomic=False)
