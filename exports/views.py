"""GET /api/v1/exports/results.csv: the raw results of a period, streamed as CSV while PostgreSQL writes them."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from consistency.api.variance_views import PERIOD_PARAMETERS

from . import services
from .results import SOURCES
from .serializers import ResultsQuerySerializer


class ResultsCsvView(APIView):
    @extend_schema(
        summary="Raw results as CSV, for a BI tool",
        description="One row per site, day, criterion and source (a current check's result, an audit's result, a "
                    "customer's feedback response) of the period, streamed as it is read: memory stays flat "
                    "whatever the size. Columns and their meaning per source: docs/exports.md (stable: new columns "
                    "only ever come at the end). The check rows with counted=true add up, per site and criterion, to "
                    "GET /api/v1/variance/'s observations and passes. Head office: every site; auditors, managers "
                    "and department staff: their sites; a mystery shopper: 403. For anything large, order a "
                    "background run instead: POST /api/v1/reports/ with kind results_csv.",
        parameters=[*PERIOD_PARAMETERS,
                    OpenApiParameter("region", str, description="Only sites of this region code."),
                    OpenApiParameter("sites", str, description="Only these site codes, separated by commas."),
                    OpenApiParameter("source", str, description=f"Some of {', '.join(SOURCES)}, separated by "
                                                                "commas. Default: all three.")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request):
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        export = services.results_export(user=request.user, date_from=q["from"], date_to=q["to"],
                                         region=q.get("region"), codes=q.get("sites") or (),
                                         sources=q.get("source") or SOURCES)
        response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
