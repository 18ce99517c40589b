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
