from django.urls import path

from audit import views as audit_views

from .views import (
    audits,
    calibration,
    feedback,
    language,
    not_applicable,
    notifications,
    overview,
    perception,
    review,
    site,
    standard,
    today,
)
from .views import reports as report_views

app_name = "pages"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("sites/<slug:code>/", site.site_detail, name="site"),
    path("sites/<slug:code>/not-applicable/", not_applicable.site_marks_post, name="site-not-applicable"),
    path("standard/", standard.standard, name="standard"),
    path("standard/diff/", standard.standard_diff, name="standard-diff"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/verify/", report_views.report_verify, name="report-verify"),
    path("reports/<uuid:public_id>/status/", report_views.report_status, name="report-status"),
    path("reports/<uuid:public_id>/download/", report_views.report_download, name="report-download"),
    path("today/", today.today, name="today"),
    path("perception/", perception.perception, name="perception"),
    path("calibration/", calibration.calibration, name="calibration"),
    path("feedback/", feedback.feedback, name="feedback"),
    path("audits/", audits.audit_list, name="audits"),
    path("audits/new/", audits.audit_new, name="audit-new"),
    path("audits/<int:audit_id>/", audits.audit_detail, name="audit"),
    path("evidence/<uuid:public_id>/review/", review.photo_review, name="photo-review"),
    path("retakes/<int:retake_id>/photo/", review.retake_photo, name="retake-photo"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("audit/", audit_views.trail, name="audit-trail"),  # head office: the audit trail (issue 19)
    path("language/", language.choose, name="language"),
    path("jsi18n/<str:language>/", language.javascript_catalog, name="jsi18n"),
]
