from django.urls import path

from . import variance_views

urlpatterns = [
    path("variance/", variance_views.VarianceView.as_view(), name="variance"),
    path("sites/<slug:code>/variance/", variance_views.SiteVarianceView.as_view(), name="site-variance"),
]
