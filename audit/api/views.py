"""The audit trail over HTTP, for head office: ``GET /api/v1/audit/`` and ``/api/v1/audit/verification/``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..models import Action
from .serializers import EntrySerializer, VerificationSerializer


class NewestFirst(CursorPagination):
    """Pages by position in the chain (``seq``), not by offset: page 1,000 of millions costs what page 1 does,
    and an entry appended meanwhile never shifts a page."""

    ordering = "-seq"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


PARAMETERS = [
    OpenApiParameter("action", OpenApiTypes.STR, description="One or more actions, comma-separated: "
                     + ", ".join(Action.values)),
    OpenApiParameter("actor", OpenApiTypes.STR, description="A username (as it was when the entry was written)."),
    OpenApiParameter("site", OpenApiTypes.STR, description="A site code."),
    OpenApiParameter("since", OpenApiTypes.STR, description="A day (YYYY-MM-DD, UTC, included) or an ISO 8601 time "
                                                            "with its offset."),
    OpenApiParameter("until", OpenApiTypes.STR, description="A day (included) or a time (excluded)."),
    OpenApiParameter("target", OpenApiTypes.STR, description="What was acted on: app.model or app.model:id "
                                                             "(e.g. consistency.evidence:<photo id>)."),
]


class EntryListView(APIView):
    pagination_class = NewestFirst

    @extend_schema(parameters=PARAMETERS, responses=EntrySerializer(many=True),
                   summary="The audit trail, newest first (head office): who did what and when")
    def get(self, request):
        entries = selectors.entry_list(user=request.user, filters=selectors.entry_filter(request.query_params))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(EntrySerializer(page, many=True).data)


class VerificationView(APIView):
    @extend_schema(responses=VerificationSerializer,
                   summary="The last verification of the audit chain and the newest entry (head office)")
    def get(self, request):
        last = selectors.last_check(user=request.user)
        return Response(VerificationSerializer({"last": last, "head_seq": selectors.head_seq()}).data)
