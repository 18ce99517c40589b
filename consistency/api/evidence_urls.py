from django.urls import path

from . import evidence_views as views

urlpatterns = [
    path("checks/<int:pk>/evidence/", views.CheckEvidenceView.as_view(), name="check-evidence"),
    path("actions/<int:pk>/evidence/", views.ActionEvidenceView.as_view(), name="action-evidence"),
    path("evidence/files/<str:token>/", views.EvidenceFileView.as_view(), name="evidence-file"),
    path("evidence/<uuid:public_id>/", views.EvidenceDetailView.as_view(), name="evidence-detail"),
    path("evidence/<uuid:public_id>/confirm/", views.EvidenceConfirmView.as_view(), name="evidence-confirm"),
]
