"""The audit trail in the admin: read only (the database refuses any change anyway)."""

from django.contrib import admin

from .models import AuditEntry, ChainCheck


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["seq", "at", "actor_name", "action", "target_type", "target_id", "site_code"]
    list_filter = ["action"]
    search_fields = ["=actor_name", "=site_code", "=target_id", "=hash"]
    show_full_result_count = False  # a count of millions of rows on every page is not worth it


@admin.register(ChainCheck)
class ChainCheckAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["checked_at", "intact", "entries", "head_seq", "broken_seq", "seconds"]
    list_filter = ["intact"]
