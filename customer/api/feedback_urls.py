"""Feedback over HTTP (see customer/api/feedback_views.py)."""

urlpatterns: list = []
