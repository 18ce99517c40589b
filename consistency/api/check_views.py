"""Daily checks, missed days and corrective actions over HTTP. Views wire HTTP to services/selectors."""

from __future__ import annotations

import orjson
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.inputs import slug_param
from backend.pagination import Pagination
from sites import access
from sites.selectors import site_get

from ..selectors import actions as action_selectors
from ..selectors import checks as check_selectors
from ..selectors.missed import missed_days
from ..services import actions as action_services
from ..services.checks import check_submit
from . import check_serializers as s
from .idempotent import KEY_PARAMETER, Answer, idempotent_post, request_key

PERIOD = [OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE)]


def _site_for_write(user, code: str):
    """The common case asks once: a site this user may write. Only a refusal asks again, to tell 404 from 403."""
    site = access.writable_site(user, code)
    return site if site is not None else site_get(user=user, code=code, for_write=True)


def _render_submitted(submitted) -> bytes:
    # Plain data (strings, numbers, booleans, None): orjson gives the same JSON values as DRF's renderer in a
    # seventh of the time (bench/RESULTS-submit.md).
    return orjson.dumps(s.submitted_body(submitted))


def _paginated(request, view, items, serializer):
    paginator = Pagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class SiteChecksView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages
    @extend_schema(parameters=[*PERIOD, OpenApiParameter("history", OpenApiTypes.BOOL)],
                   responses=s.CheckSummarySerializer(many=True),
                   summary="A site's checks, newest first (history=true includes superseded ones)")
    def get(self, request, code: str):
        site = site_get(user=request.user, code=code)
        date_from, date_to = s.period_params(request.query_params, required=False)
        history = request.query_params.get("history", "").lower() in ("1", "true", "yes")
        checks = check_selectors.check_list(site=site, date_from=date_from, date_to=date_to, history=history)
        return _paginated(request, self, checks, s.CheckSummarySerializer)

    @extend_schema(
        request={"application/json": s.CheckSubmissionSerializer}, responses={201: s.CheckSerializer},
        parameters=[KEY_PARAMETER],
        summary="Submit the day's check: every result in one request (amend with \"amends\" + \"reason\")",
    )
    def post(self, request, code: str):
        # Authenticated and permitted by DRF like every endpoint; then the site (404/403 whatever the body),
        # the body's shape, and the key. A key used before answers with what it stored, whatever the rules
        # say now (idempotency.idempotent claims it before the check is judged).
        site = _site_for_write(request.user, code)
        raw, data = s.read_json(request)
        payload = s.parse_check(data)
        keyed = request_key(request) is not None

        def run() -> Answer:
            # With a key, idempotency.idempotent runs this in a transaction it rolls back whole on a refusal:
            # no savepoint is needed inside it.
            submitted = check_submit(site=site, user=request.user, payload=payload, savepoint=not keyed)
            return Answer(201, _render_submitted(submitted))

        return idempotent_post(request, run, body=raw)


class CheckDetailView(APIView):
    @extend_schema(responses=s.CheckSerializer, summary="One check with its results and evidence")
    def get(self, request, check_id: int):
        return Response(s.check_detail_body(check_selectors.check_get(user=request.user, check_id=check_id)))


class SiteMissedView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages
    @extend_schema(parameters=PERIOD, responses=s.MissedDaySerializer(many=True),
                   summary="Days since the site opened, already over locally, without a check")
    def get(self, request, code: str):
        site = site_get(user=request.user, code=code)
        date_from, date_to = s.period_params(request.query_params, required=True)
        days = missed_days(user=request.user, date_from=date_from, date_to=date_to, site=site)
        return _paginated(request, self, days, s.MissedDaySerializer)


class MissedView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages
    @extend_schema(parameters=[*PERIOD, OpenApiParameter("region", OpenApiTypes.STR)],
                   responses=s.MissedDaySerializer(many=True),
                   summary="Missed days across every site you can see (head office: the network)")
    def get(self, request):
        date_from, date_to = s.period_params(request.query_params, required=True)
        days = missed_days(user=request.user, date_from=date_from, date_to=date_to,
                           region=slug_param(request.query_params, "region"))
        return _paginated(request, self, days, s.MissedDaySerializer)


STATUS_PARAM = OpenApiParameter("status", OpenApiTypes.STR, enum=list(action_selectors.STATUSES))


class SiteActionsView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages
    @extend_schema(parameters=[STATUS_PARAM], responses=s.ActionSerializer(many=True),
                   summary="A site's corrective actions (status=open by default)")
    def get(self, request, code: str):
        site = site_get(user=request.user, code=code)
        actions = action_selectors.action_list(user=request.user, site=site,
                                               status=request.query_params.get("status", "open"))
        return _paginated(request, self, actions, s.ActionSerializer)


class ActionListView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages
    @extend_schema(parameters=[STATUS_PARAM, OpenApiParameter("region", OpenApiTypes.STR)],
                   responses=s.ActionSerializer(many=True),
                   summary="Corrective actions across every site you can see (open, overdue, resolved, all)")
    def get(self, request):
        actions = action_selectors.action_list(user=request.user, status=request.query_params.get("status", "open"),
                                               region=slug_param(request.query_params, "region"))
        return _paginated(request, self, actions, s.ActionSerializer)


class ActionResolveView(APIView):
    @extend_schema(request=s.ResolveSerializer, responses=s.ActionSerializer, parameters=[KEY_PARAMETER],
                   summary="Resolve an action with a note (and verified photos where the criterion needs them)")
    def post(self, request, action_id: int):
        def resolve() -> Answer:
            body = s.ResolveSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            action = action_services.action_resolve(user=request.user, action_id=action_id,
                                                    note=body.validated_data["note"])
            return Answer(200, s.ActionSerializer(action).data)

        return idempotent_post(request, resolve)
