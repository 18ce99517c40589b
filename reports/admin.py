from django.contrib import admin

from .models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["public_id", "kind", "period_from", "period_to", "status", "progress", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]
