from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import Action
from audit.services import record
from backend.errors import AppError

from .models import Notice, Preference, WebhookDelivery, WebhookEndpoint
from .services import webhooks


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """What was told to whom. Read-only: notices are stored by publish() and moved by the workers' claims."""

    list_display = ["id", "event", "key", "recipient", "site", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "event"]
    list_select_related = ["recipient", "site"]
    search_fields = ["key", "recipient__username", "recipient__email"]
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "mode"]
    list_filter = ["event", "mode"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


class WebhookEndpointForm(forms.ModelForm):
    """The API's rules for the address and the events (notify.services.webhooks), here too."""

    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active"]

    def clean_url(self):
        problem = webhooks.url_problem(self.cleaned_data["url"])
        if problem:
            raise ValidationError(problem)
        return self.cleaned_data["url"]

    def clean_events(self):
        try:
            return webhooks.events_checked(self.cleaned_data["events"] or [])
        except AppError as exc:
            raise ValidationError([e.message for e in exc.errors]) from exc


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Endpoints; the secret is not shown (the API shows it once, at creation or rotation)."""

    form = WebhookEndpointForm
    list_display = ["id", "url", "active", "created_by", "created_at"]
    list_filter = ["active"]
    list_select_related = ["created_by"]
    search_fields = ["url", "description"]
    fields = ["url", "description", "events", "active", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        record(Action.WEBHOOK_CHANGED if change else Action.WEBHOOK_CREATED, actor=request.user, target=obj,
               request=request, data={**webhooks.endpoint_facts(obj), "changed": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        self.delete_queryset(request, WebhookEndpoint.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for endpoint in queryset:
                record(Action.WEBHOOK_DELETED, actor=request.user, target=endpoint, request=request,
                       data=webhooks.endpoint_facts(endpoint))
            super().delete_queryset(request, queryset)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "endpoint", "event", "key", "status", "attempts", "last_status_code", "next_attempt_at",
                    "created_at", "delivered_at", "replay_of"]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint"]
    search_fields = ["key", "endpoint__url"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Replay the selected deliveries (a new delivery each)")
    def replay(self, request, queryset):
        try:
            webhooks.require_head_office(request.user)
            replays = webhooks.replay_many(list(queryset.select_related("endpoint")))
        except AppError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        self.message_user(request, f"{len(replays)} deliveries queued again (new ids: "
                                   f"{', '.join(str(r.pk) for r in replays)}).", level=messages.SUCCESS)
