from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="report-list"),
    path("reports/verify/", views.ReportVerifyView.as_view(), name="report-verify"),
    path("reports/files/<str:token>/", views.ReportFileView.as_view(), name="report-file"),
    path("reports/<uuid:public_id>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("reports/<uuid:public_id>/download/", views.ReportDownloadView.as_view(), name="report-download"),
    path("reports/<uuid:public_id>/photos/", views.ReportArchiveDownloadView.as_view(), name="report-photos"),
]
