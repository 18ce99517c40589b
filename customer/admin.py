from django.contrib import admin

from .models import Audit, CalibrationVisit, FeedbackQuestion


@admin.register(FeedbackQuestion)
class FeedbackQuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "text", "touch_point_key", "criterion_key", "active"]
    list_filter = ["active", "touch_point_key"]
    search_fields = ["key", "text"]


@admin.register(Audit)
class AuditAdmin(admin.ModelAdmin):
    list_display = ["site", "date", "kind", "score", "observed", "calibration"]
    list_filter = ["kind"]
    search_fields = ["site__code"]

    def has_change_permission(self, request, obj=None):
        return False  # audits are evidence: corrected by a new audit, never edited

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalibrationVisit)
class CalibrationVisitAdmin(admin.ModelAdmin):
    list_display = ["site", "date", "marked_by", "marked_at"]
