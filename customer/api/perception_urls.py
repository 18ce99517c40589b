"""Perception over HTTP (see customer/api/perception_views.py)."""

from django.urls import path

from . import perception_views

urlpatterns = [
    path("perception-gap/", perception_views.PerceptionGapView.as_view(), name="perception-gap"),
]
