"""Audits and mystery shops over HTTP. Views wire HTTP to the services and selectors of customer/."""

from __future__ import annotations

import orjson
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.errors import AppError
from backend.inputs import slug_param
from backend.pagination import Pagination
from consistency.api import evidence_serializers as evidence_s
from consistency.api.check_serializers import period_params, read_json
from consistency.api.evidence_views import _POST_DOC, _AttachView, _context
from consistency.api.idempotent import KEY_PARAMETER, Answer, idempotent_post
from consistency.selectors import evidence as evidence_selectors
from consistency.services import evidence as evidence_services
from sites.selectors import site_shown

from ..selectors import audits as selectors
from ..services.audits import audit_submit
from . import audit_serializers as s

PERIOD = [OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE)]
KIND = OpenApiParameter("kind", OpenApiTypes.STR, enum=s.KINDS)


def _kind_param(query) -> str | None:
    kind = query.get("kind")
    if kind and kind not in s.KINDS:
        raise AppError(f"kind: one of {', '.join(s.KINDS)}.", field="kind")
    return kind or None


def _page(request, view, audits):
    paginator = Pagination()
    page = paginator.paginate_queryset(audits, request, view=view)
    return paginator.get_paginated_response([s.audit_summary(a, reader=request.user) for a in page])


class SiteAuditsView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages

    @extend_schema(parameters=[*PERIOD, KIND], responses=s.AuditSummarySerializer(many=True),
                   summary="A site's audits and mystery shops that you may read, newest first",
                   description="Head office and auditors: every audit of the site; managers and department staff: "
                               "their site's audits, a mystery shop without who made it or when; a mystery "
                               "shopper: their own.")
    def get(self, request, code: str):
        site = site_shown(user=request.user, code=code)
        date_from, date_to = period_params(request.query_params, required=False)
        audits = selectors.audit_list(user=request.user, site=site, date_from=date_from, date_to=date_to,
                                      kind=_kind_param(request.query_params))
        return _page(request, self, audits)

    @extend_schema(
        request={"application/json": s.AuditSubmissionSerializer}, responses={201: s.AuditSerializer},
        parameters=[KEY_PARAMETER],
        summary="Submit an audit or a mystery shop: any part of the standard observed, judged by the version in "
                "force on its date",
        description="Auditors (their sites) and head office submit either kind; a mystery shopper only "
                    "`mystery_shop`, for the sites they are assigned to. Managers and department staff: 403. "
                    "409 `duplicate_client_id`: an audit with this client_id was stored before.",
    )
    def post(self, request, code: str):
        site = selectors.site_for_audit(user=request.user, code=code)
        raw, data = read_json(request)
        payload = s.parse_audit(data)

        def run() -> Answer:
            submitted = audit_submit(site=site, user=request.user, payload=payload)
            return Answer(201, orjson.dumps(s.submitted_body(submitted, reader=request.user)))

        return idempotent_post(request, run, body=raw)


class AuditListView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages

    @extend_schema(parameters=[*PERIOD, KIND, OpenApiParameter("region", OpenApiTypes.STR)],
                   responses=s.AuditSummarySerializer(many=True),
                   summary="Audits and mystery shops you may read across your sites (a shopper: their own)")
    def get(self, request):
        date_from, date_to = period_params(request.query_params, required=False)
        audits = selectors.audit_list(user=request.user, date_from=date_from, date_to=date_to,
                                      region=slug_param(request.query_params, "region"),
                                      kind=_kind_param(request.query_params))
        return _page(request, self, audits)


class AuditDetailView(APIView):
    @extend_schema(responses=s.AuditSerializer, summary="One audit with its results and photos")
    def get(self, request, audit_id: int):
        audit = selectors.audit_get(user=request.user, audit_id=audit_id)
        return Response(s.audit_detail_body(audit, reader=request.user))


class AuditEvidenceView(_AttachView):
    """An audit's photos: the checks' evidence flow (``consistency.services.evidence``) with the audit as target.
    Only the audit's author (or head office) adds them; whoever reads the audit reads them."""

    def target(self, request, pk, *, for_write):
        audit = selectors.audit_for_evidence(user=request.user, audit_id=pk, for_write=for_write)
        return evidence_services.target_for_audit(audit) if for_write else evidence_services.Target(
            site=audit.site, audit=audit)

    @extend_schema(responses=evidence_s.EvidenceSerializer(many=True), summary="Photos of an audit")
    def get(self, request, pk: int):
        target = self.target(request, pk, for_write=False)
        items = list(evidence_selectors.evidence_list(audit=target.audit).select_related("audit"))
        return Response(evidence_s.EvidenceSerializer(items, many=True, context=_context(request, items)).data)

    @extend_schema(summary="Attach a photo to an audit (presigned POST, or multipart upload); confirm a presigned "
                           "upload with POST /api/v1/evidence/{id}/confirm/",
                   **{**_POST_DOC, "description": "Only the audit's author, or head office. 400 `criterion`: a "
                                                  "photo is of a criterion the audit observed. 409 "
                                                  "`already_attached`: the same photo already proves a criterion "
                                                  "of this audit."})
    def post(self, request, pk: int):
        return super().post(request, pk)
