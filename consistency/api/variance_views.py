"""Every site against the standard and the network, over HTTP. The engine decides the numbers
(consistency/variance); sites/access.py decides which sites a user's question may cover."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from customer.perception import perception_gap
from sites.models import Site
from sites.selectors import site_get

from ..variance import variance_report
from ..variance.scope import variance_sites
from . import variance_serializers as s

PERIOD_PARAMETERS = [
    OpenApiParameter("from", str, description="First day (YYYY-MM-DD, inclusive). Default: 29 days before 'to'."),
    OpenApiParameter("to", str, description="Last day (YYYY-MM-DD, inclusive). Default: today. At most "
                                          f"{settings.PERIOD_MAX_DAYS} days."),
]


def _period(request) -> dict:
    query = s.VarianceQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class VarianceView(APIView):
    @extend_schema(
        summary="Every site in your scope against the standard and against each other",
        parameters=[*PERIOD_PARAMETERS,
                    OpenApiParameter("region", str, description="Only sites of this region code."),
                    OpenApiParameter("site", str, description="Only this site code."),
                    OpenApiParameter("perception", bool, description=s.PERCEPTION_HELP),
                    OpenApiParameter("group", str, enum=["touch_point", "department"],
                                     description="department: add department rows per site (`departments`) and "
                                                 "for the network (`department_spread`).")],
        responses=s.VarianceReportSerializer,
    )
    def get(self, request):
        q = _period(request)
        sites = variance_sites(user=request.user, region=q.get("region"), site=q.get("site"))
        departments = q.get("group") == "department"
        report = variance_report(date_from=q["from"], date_to=q["to"], sites=sites, departments=departments)
        perception = None
        if q["perception"]:  # the same scope asked of the perception engine
            perception = perception_gap(sites=sites, date_from=q["from"], date_to=q["to"])
        return Response(s.report_data(report, perception, departments=departments))


class SiteVarianceView(APIView):
    @extend_schema(summary="One site against the standard", parameters=PERIOD_PARAMETERS,
                   responses=s.VarianceReportSerializer)
    def get(self, request, code: str):
        q = _period(request)
        site = site_get(user=request.user, code=code)
        report = variance_report(date_from=q["from"], date_to=q["to"], sites=Site.objects.filter(pk=site.pk))
        return Response(s.report_data(report))
