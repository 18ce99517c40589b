"""Perception over HTTP (see customer/api/perception_views.py)."""

urlpatterns: list = []
