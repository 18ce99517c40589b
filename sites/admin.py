from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Q

from audit import people
from audit.models import Action
from audit.services import record

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
    fieldsets = [(None, {"fields": ["code", "name", "region", "timezone", "check_cutoff", "active", "opened_on"]}),
                 ("Location", {"fields": ["latitude", "longitude"],
                               "description": "Optional, in decimal degrees (WGS 84, as a phone's GPS writes them): "
                                              "a photo whose GPS position is further than PHOTO_MAX_DISTANCE_M from "
                                              "it is flagged far from the site."})]
    search_fields = ["code", "name"]
    list_select_related = ["region"]


class AccessAudited:
    """Changes to who may do what are on the audit trail (audit.people): a snapshot before the save, the
    entries after the last of it (a profile's sites and regions are saved after the profile)."""

    def save_model(self, request, obj, form, change):
        # The person as they were (a new profile's user may exist already; a new user is no one yet).
        obj._access_before = people.access_of(self._person(obj))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        people.record_access_change(actor=request.user, user_id=self._person(form.instance),
                                    before=form.instance._access_before, request=request)

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            befores = {self._person(obj): people.access_of(self._person(obj)) for obj in queryset}
            super().delete_queryset(request, queryset)
            for user_id, before in befores.items():
                people.record_access_change(actor=request.user, user_id=user_id, before=before, request=request)


@admin.register(Profile)
class ProfileAdmin(AccessAudited, admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    filter_horizontal = ["sites", "regions"]
    search_fields = ["user__username"]

    @staticmethod
    def _person(obj) -> int:
        return obj.user_id


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PersonAdmin(AccessAudited, UserAdmin):
    """Django's user admin, with superuser (head office) and active changes on the audit trail."""

    @staticmethod
    def _person(obj) -> int:
        return obj.pk


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

    def delete_model(self, request, obj):
        self.delete_queryset(request, DeviceToken.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # Deleting a token signs its device out: a revocation, on the audit trail as the API's is.
        with transaction.atomic():
            for token in queryset.select_related("user"):
                record(Action.TOKEN_REVOKED, actor=request.user, target_type="sites.devicetoken", target_id=token.pk,
                       request=request, data={"user": token.user.get_username(), "device_name": token.device_name})
            super().delete_queryset(request, queryset)
