from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import DeviceToken, Profile, Region, Role, Site


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact"]
    search_fields = ["code", "name"]
    list_select_related = ["contact"]
    fields = ["code", "name", "contact"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contact":
            # The contact is head office's person for the region (told of its missed days, critical failures and
            # overdue actions): only active head-office people (or superusers, whom access counts as head office).
            kwargs["queryset"] = (get_user_model().objects.filter(is_active=True)
                                  .filter(Q(is_superuser=True) | Q(profile__role=Role.HEAD_OFFICE)).order_by("username"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "timezone", "check_cutoff", "active", "opened_on"]
    list_filter = ["region", "active", "timezone"]
    fields = ["code", "name", "region", "timezone", "check_cutoff", "active", "opened_on"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    filter_horizontal = ["sites", "regions"]
    search_fields = ["user__username"]


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    """Signed-in devices. Deleting one signs that device out; tokens are issued only by signing in."""

    list_display = ["user", "device_name", "created", "last_used", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "device_name"]
    fields = ["user", "device_name", "created", "last_used", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
