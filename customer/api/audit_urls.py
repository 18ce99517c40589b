"""Audits and mystery shops, their photos, and calibration visits."""

from django.urls import path

from . import audit_calibration as calibration
from . import audit_views as v

urlpatterns = [
    path("sites/<slug:code>/audits/", v.SiteAuditsView.as_view(), name="site-audits"),
    path("audits/", v.AuditListView.as_view(), name="audits"),
    path("audits/<int:audit_id>/", v.AuditDetailView.as_view(), name="audit-detail"),
    path("audits/<int:pk>/evidence/", v.AuditEvidenceView.as_view(), name="audit-evidence"),
    path("calibrations/", calibration.CalibrationsView.as_view(), name="calibrations"),
]
