"""HTTP wiring for report runs: order, list, status, download link, the signed file link, verify."""

import orjson
from django.conf import settings
from django.utils.translation import get_language_from_request
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.body_limits import body_limit
from consistency.api.idempotent import KEY_PARAMETER, Answer, idempotent_post, request_key

from . import selectors, services
from .serializers import (
    DownloadSerializer,
    ReportOrderSerializer,
    ReportRunSerializer,
    VerifyResultSerializer,
    VerifyUploadSerializer,
)


class ReportListView(generics.ListAPIView):
    """Report runs you can see (every site they cover is one you may read), newest first."""

    serializer_class = ReportRunSerializer

    def get_queryset(self):
        return selectors.run_list(user=self.request.user)

    @extend_schema(request=ReportOrderSerializer, responses={202: ReportRunSerializer}, parameters=[KEY_PARAMETER])
    def post(self, request):
        """Order a report: 202 with the run's id; a worker renders it. A retry with the same Idempotency-Key
        gets the first answer again (``Idempotent-Replayed: true``); the same key with another body is a 422."""
        request_key(request)  # a malformed key is refused before the body is judged
        raw = request.body  # the exact bytes, read before the parser does, for the idempotency fingerprint
        data = ReportOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def order() -> Answer:
            run = services.report_order(user=request.user, kind=v["kind"], date_from=v["from"], date_to=v["to"],
                                        region=v.get("region"), sites=v.get("sites"),
                                        language=get_language_from_request(request), with_photos=v["with_photos"])
            run = selectors.run_get(user=request.user, public_id=run.public_id)
            return Answer(202, ReportRunSerializer(run).data)

        response = idempotent_post(request, order, body=raw)
        response["Location"] = orjson.loads(response.content)["links"]["self"]
        return response


class ReportDetailView(generics.RetrieveAPIView):
    serializer_class = ReportRunSerializer

    def get_object(self):
        return selectors.run_get(user=self.request.user, public_id=self.kwargs["public_id"])


class ReportDownloadView(APIView):
    @extend_schema(responses=DownloadSerializer)
    def get(self, request, public_id):
        run = selectors.run_get(user=request.user, public_id=public_id)
        return Response(DownloadSerializer(services.report_download(run=run, user=request.user,
                                                                     request=request)).data)


class ReportArchiveDownloadView(APIView):
    @extend_schema(responses=DownloadSerializer)
    def get(self, request, public_id):
        """A short-lived link to the pack's signed ZIP of original photos (head office and auditors)."""
        run = selectors.run_get(user=request.user, public_id=public_id)
        return Response(DownloadSerializer(services.report_archive_download(run=run, user=request.user,
                                                                             request=request)).data)


class ReportFileView(APIView):
    """The PDF behind its signed, expiring link (consistency.storage's one scheme, as for photos): the link
    names the user it was made for, whose access is checked again here, so no login is needed to open it.
    Served from local disk, or by a redirect to a presigned GET of seconds on S3."""

    # No sign-in needed, but one is read: a link opened by someone signed in as another user is refused.
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, token):
        return services.report_file_response(token=token, opener=request.user)


@body_limit(lambda: settings.REPORT_MAX_VERIFY_BYTES, what="a PDF to verify")  # backend.body_limits
class ReportVerifyView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": VerifyUploadSerializer}, responses=VerifyResultSerializer)
    def post(self, request):
        """Is this file exactly a PDF Touchpoint produced, and for which site/scope and period?"""
        data = VerifyUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(VerifyResultSerializer(services.report_verify(fileobj=data.validated_data["file"])).data)
