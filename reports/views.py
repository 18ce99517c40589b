"""HTTP wiring for report runs: order, list, status, download link, the signed local file, verify."""

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

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

    @extend_schema(request=ReportOrderSerializer, responses={202: ReportRunSerializer})
    def post(self, request):
        """Order a report: 202 with the run's id; a worker renders it."""
        data = ReportOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        run = services.report_order(user=request.user, kind=v["kind"], date_from=v["from"], date_to=v["to"],
                                    region=v.get("region"), sites=v.get("sites"))
        run = selectors.run_get(user=request.user, public_id=run.public_id)
        return Response(ReportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/v1/reports/{run.public_id}/"})


class ReportDetailView(generics.RetrieveAPIView):
    serializer_class = ReportRunSerializer

    def get_object(self):
        return selectors.run_get(user=self.request.user, public_id=self.kwargs["public_id"])


class ReportDownloadView(APIView):
    @extend_schema(responses=DownloadSerializer)
    def get(self, request, public_id):
        run = selectors.run_get(user=request.user, public_id=public_id)
        return Response(DownloadSerializer(services.report_download(run=run, request=request)).data)


class ReportFileView(APIView):
    """Serves a PDF from local storage for a signed, expiring link (S3 links go to S3 directly)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, token):
        run, fh = services.report_file_for_token(token=token)
        return FileResponse(fh, as_attachment=True, filename=services.download_filename(run),
                            content_type="application/pdf")


class ReportVerifyView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": VerifyUploadSerializer}, responses=VerifyResultSerializer)
    def post(self, request):
        """Is this file exactly a PDF Touchpoint produced, and for which site/scope and period?"""
        data = VerifyUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(VerifyResultSerializer(services.report_verify(fileobj=data.validated_data["file"])).data)
