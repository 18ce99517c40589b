from django.contrib import admin

from .models import (
    CheckResult,
    CorrectiveAction,
    Criterion,
    DailyCheck,
    Evidence,
    Standard,
    StandardVersion,
    TouchPoint,
)
from .services import evidence_files


class ReleasedReadOnly:
    """Released versions (and everything under them) are read-only in the admin as everywhere else."""

    def _released(self, obj) -> bool:
        version = getattr(obj, "version", obj)
        return bool(version and version.pk and version.status != "draft")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and self._released(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and self._released(obj))


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]


class TouchPointInline(admin.TabularInline):
    model = TouchPoint
    extra = 0
    fields = ["key", "name", "order", "why"]


@admin.register(StandardVersion)
class StandardVersionAdmin(ReleasedReadOnly, admin.ModelAdmin):
    list_display = ["standard", "number", "status", "effective_from", "published_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "effective_from", "published_at", "published_by", "retired_at", "created_by"]
    inlines = [TouchPointInline]


@admin.register(TouchPoint)
class TouchPointAdmin(ReleasedReadOnly, admin.ModelAdmin):
    list_display = ["key", "name", "version", "order"]
    list_filter = ["version"]
    list_select_related = ["version__standard"]


@admin.register(Criterion)
class CriterionAdmin(ReleasedReadOnly, admin.ModelAdmin):
    list_display = ["key", "touch_point", "kind", "target", "comparison", "tolerance", "unit", "weight",
                    "critical", "photos_required", "version"]
    list_filter = ["version", "kind", "critical"]
    search_fields = ["key", "prompt"]
    list_select_related = ["touch_point", "version__standard"]


class RecordReadOnly:
    """Checks, their results, photos and actions are the record auditors rely on: the admin shows them and
    changes none. They change through the API, which judges, keeps history and re-scores (an amendment, a
    photo's verdict, a resolution); a photo deleted here left its criterion passed without it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DailyCheck)
class DailyCheckAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["site", "date", "version", "submitted_by", "late", "is_current", "score", "received_at"]
    list_filter = ["late", "is_current", "site__region"]
    search_fields = ["site__code"]
    date_hierarchy = "date"
    list_select_related = ["site", "version__standard", "submitted_by"]
    raw_id_fields = ["amends"]


@admin.register(CheckResult)
class CheckResultAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["daily_check", "criterion", "value", "met", "passed", "deviation"]
    list_select_related = ["daily_check__site", "criterion"]
    raw_id_fields = ["daily_check", "criterion", "site"]


@admin.register(Evidence)
class EvidenceAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["public_id", "site", "criterion", "status", "size", "captured_at", "stale_capture"]
    list_filter = ["status", "stale_capture"]
    raw_id_fields = ["daily_check", "action", "criterion", "site", "uploaded_by", "reused_from"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The photo, through the links the API gives (made for this user, checked against their access):
        # passed to the template per request, since the admin instance is shared by every request.
        evidence = self.get_object(request, object_id)
        if evidence is not None:
            extra_context = {**(extra_context or {}),
                             "photo_url": evidence_files.photo_link(evidence, "original", reader=request.user),
                             "photo_thumbnail_url": evidence_files.photo_link(evidence, "thumbnail",
                                                                              reader=request.user)}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["site", "criterion", "opened_at", "due_on", "status", "resolved_at"]
    list_filter = ["status"]
    raw_id_fields = ["daily_check", "criterion", "site", "resolved_by"]
