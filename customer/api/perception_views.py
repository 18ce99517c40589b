"""The perception gap over HTTP. The engine decides the numbers (customer/perception); sites/access.py, through
the variance API's scope, decides which sites a question may cover."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from consistency.api.variance_serializers import VarianceQuerySerializer
from consistency.api.variance_views import PERIOD_PARAMETERS
from customer.perception import perception_gap
from customer.perception.scope import perception_sites

from . import perception_serializers as s


class PerceptionQuerySerializer(VarianceQuerySerializer):
    """The variance API's query (``from``/``to``, ``region``, ``site``: one parser), without its ``perception``."""

    perception = None


class PerceptionGapView(APIView):
    @extend_schema(
        summary="What sites report about themselves against what audits and customers find",
        description="Per touch point, per criterion (where audits or customers said something about it) and for "
                    "the whole scope: the self-check pass rate, the audit pass rate and the customer score, each with "
                    "its 95% interval and count, and the gaps between them with Newcombe's interval; each site's "
                    "optimism (self-checks against its audits, on the criteria they observed), ranked only where "
                    "supported; and whether compliance goes with customer satisfaction across sites (Pearson's r, "
                    "Fisher's interval, 'too_thin' when too few sites have the data). Head office: every site; "
                    "auditors, managers and department staff: their sites; a mystery shopper: 403. Formulas: "
                    "docs/perception-gap.md.",
        parameters=[*PERIOD_PARAMETERS,
                    OpenApiParameter("region", str, description="Only sites of this region code."),
                    OpenApiParameter("site", str, description="Only this site code.")],
        responses=s.PerceptionGapSerializer,
    )
    def get(self, request):
        query = PerceptionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        sites = perception_sites(user=request.user, region=q.get("region"), site=q.get("site"))
        gap = perception_gap(sites=sites, date_from=q["from"], date_to=q["to"], region=q.get("region"),
                             site=q.get("site"))
        return Response(s.gap_data(gap))
