"""Criteria not applicable at a site over HTTP: views wire HTTP to services.applicability.

Reading a site's marks is reading the site (``site_get``: 404 outside the reader's scope, a mystery shopper
reads none); writing them is head office's (403 for any other reader of the site)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.pagination import Pagination
from sites.selectors import site_get

from ..services import applicability
from . import applicability_serializers as s

CURRENT = OpenApiParameter("current", OpenApiTypes.BOOL,
                           description="true: only marks that cover today or a later day (not those already ended).")


def _current(request) -> bool:
    return request.query_params.get("current", "").lower() in ("1", "true", "yes")


def _page(request, view, marks):
    paginator = Pagination()
    page = paginator.paginate_queryset(marks, request, view=view)
    return paginator.get_paginated_response(s.MarkSerializer(page, many=True).data)


class SiteMarksView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages

    @extend_schema(parameters=[CURRENT], responses=s.MarkSerializer(many=True),
                   summary="The criteria marked not applicable at a site, with their periods and reasons")
    def get(self, request, code: str):
        site = site_get(user=request.user, code=code)
        return _page(request, self, applicability.mark_list(user=request.user, site=site, current=_current(request)))

    @extend_schema(request=s.MarkSerializer, responses={201: s.MarkSerializer},
                   summary="Mark a criterion not applicable at a site for a period (head office)")
    def post(self, request, code: str):
        site = site_get(user=request.user, code=code)
        applicability.require_head_office(request.user)  # a reader of the site who may not write: 403, whatever the body
        body = s.MarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        made = applicability.mark(user=request.user, site=site, criterion_key=data["criterion_key"],
                                  starts_on=data["starts_on"], ends_on=data.get("ends_on"), reason=data["reason"])
        return Response(s.MarkSerializer(made).data, status=201)


class SiteMarkView(APIView):
    @extend_schema(request=s.MarkEndSerializer, responses=s.MarkSerializer,
                   summary="End a not-applicable mark, or move its end (head office); marks are never deleted")
    def patch(self, request, code: str, mark_id: int):
        site = site_get(user=request.user, code=code)
        applicability.require_head_office(request.user)
        body = s.MarkEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ended = applicability.end(user=request.user, site=site, mark_id=mark_id, ends_on=body.validated_data["ends_on"])
        return Response(s.MarkSerializer(ended).data)


class MarksView(APIView):
    pagination_class = Pagination

    @extend_schema(parameters=[CURRENT], responses=s.MarkSerializer(many=True),
                   summary="Not-applicable marks of every site you can read (head office: the network)")
    def get(self, request):
        return _page(request, self, applicability.mark_list(user=request.user, current=_current(request)))
