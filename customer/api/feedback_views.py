"""Customer feedback over HTTP. Views wire HTTP to customer.services.feedback and customer.selectors.feedback."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.inputs import slug_param
from backend.pagination import Pagination
from consistency.api.check_serializers import period_params
from consistency.api.idempotent import KEY_PARAMETER, Answer, idempotent_post

from ..selectors import feedback as selectors
from ..services import feedback as services
from . import feedback_serializers as s

LIST_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE),
    OpenApiParameter("site", OpenApiTypes.STR, description="One site's code (among those you can read)."),
    OpenApiParameter("region", OpenApiTypes.STR, description="A region's code."),
]


class FeedbackView(APIView):
    pagination_class = Pagination  # for the schema: the list answers are pages

    @extend_schema(parameters=LIST_PARAMETERS, responses=s.FeedbackSerializer(many=True),
                   summary="Feedback of the sites you can read, newest day first (a mystery shopper reads none)")
    def get(self, request):
        date_from, date_to = period_params(request.query_params, required=False)
        responses = selectors.feedback_list(user=request.user, date_from=date_from, date_to=date_to,
                                            site=slug_param(request.query_params, "site"),
                                            region=slug_param(request.query_params, "region"))
        paginator = Pagination()
        page = paginator.paginate_queryset(responses, request, view=self)
        return paginator.get_paginated_response(s.FeedbackSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": s.FeedbackInputSerializer}, parameters=[KEY_PARAMETER],
        responses={201: s.FeedbackSerializer,
                   200: OpenApiResponse(s.FeedbackSerializer, description="A retry: this response_id (and "
                                        "question) was stored before with the same body; nothing new is stored.")},
        summary="One customer response (head office: a survey tool's integration account)")
    def post(self, request):
        services.require_feedback_writer(request.user)  # 403 whatever the body

        def run() -> Answer:
            submitted = services.feedback_submit(user=request.user, data=request.data)
            return Answer(201 if submitted.created else 200, s.FeedbackSerializer(submitted.response).data)

        return idempotent_post(request, run)


class QuestionsView(APIView):
    @extend_schema(responses=s.QuestionSerializer(many=True), summary="Survey questions and where they map in the "
                                                                      "standard")
    def get(self, request):
        return Response(s.QuestionSerializer(selectors.question_list(), many=True).data)

    @extend_schema(request=s.QuestionSerializer, responses={201: s.QuestionSerializer},
                   summary="Add a survey question, mapped to a touch point or one of its criteria (head office)")
    def post(self, request):
        services.require_feedback_writer(request.user)
        body = s.QuestionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        question = services.question_create(user=request.user, **body.validated_data)
        return Response(s.QuestionSerializer(question).data, status=201)
