from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from backend.inputs import slug_param

from . import selectors
from .serializers import MeSerializer, SiteSerializer


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (phones keep it)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken names DRF's own JSON parser


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(selectors.me(user=request.user)).data)


class SiteListView(generics.ListAPIView):
    serializer_class = SiteSerializer

    @extend_schema(parameters=[OpenApiParameter("region", str, description="Only sites of this region code.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.site_list(user=self.request.user, region=slug_param(self.request.query_params, "region"))


class SiteDetailView(generics.RetrieveAPIView):
    serializer_class = SiteSerializer

    def get_object(self):
        return selectors.site_get(user=self.request.user, code=self.kwargs["code"])
