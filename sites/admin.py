from django.contrib import admin

from .models import DeviceToken, Profile, Region, Site


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "timezone", "active", "opened_on"]
    list_filter = ["region", "active"]
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
