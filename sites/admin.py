from django.contrib import admin

from .models import Profile, Region, Site


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
