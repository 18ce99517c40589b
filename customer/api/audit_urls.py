"""Audit over HTTP (see customer/api/audit_views.py)."""

urlpatterns: list = []
