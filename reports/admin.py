from django.contrib import admin

from .models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["public_id", "kind", "period_from", "period_to", "region", "status", "progress", "attempts",
                    "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["region"]
    search_fields = ["public_id", "pdf_sha256"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False  # runs are ordered (the API, the pages) and rendered by the workers

    def has_change_permission(self, request, obj=None):
        # Every field is read-only anyway; a released run offers no Save at all (the database refuses a change).
        return not (obj is not None and obj.status == ReportRun.Status.DONE) and super().has_change_permission(
            request, obj)

    def has_delete_permission(self, request, obj=None):
        # A released run (done: its PDF and SHA-256 on record) is never deleted; the database refuses it too
        # (audit/migrations/0002). Without an object (the list's bulk action) none: the list mixes both kinds.
        return obj is not None and obj.status != ReportRun.Status.DONE and super().has_delete_permission(request, obj)
