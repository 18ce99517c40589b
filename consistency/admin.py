"""Head office's data-entry tool: the standard edited while it is a draft; checks, results, photos and actions
shown, never changed (they change through the API). Times are shown in the site's own time zone, named."""

import datetime as dt

from django.contrib import admin
from django.utils.html import format_html

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
from .selectors import evidence as evidence_selectors
from .services import evidence_files
from .services.evidence import review


def local_time(value: dt.datetime | None, site) -> str:
    """A moment as the site lived it, its zone named ("2026-12-04 08:02 NZDT, Pacific/Auckland"); in UTC, so
    marked, where no site is known. The admin would show it in the server's zone (UTC), unmarked."""
    if value is None:
        return "-"
    if site is None:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{value.astimezone(site.tz):%Y-%m-%d %H:%M %Z}, {site.timezone}"


def local_times(*fields: str):
    """Read-only display methods ``<field>_local`` for the model's datetime ``fields``, in its site's zone (UTC,
    marked, for a model of no site)."""

    def add(cls):
        for name in fields:
            def shown(self, obj, name=name):
                return local_time(getattr(obj, name), getattr(obj, "site", None))

            shown.short_description = f"{name.replace('_', ' ')} (site's time)"
            shown.admin_order_field = name
            setattr(cls, f"{name}_local", shown)
        return cls

    return add


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
@local_times("published_at", "retired_at", "created_at")
class StandardVersionAdmin(ReleasedReadOnly, admin.ModelAdmin):
    list_display = ["standard", "number", "status", "effective_from", "published_at_local"]
    list_filter = ["status"]
    exclude = ["published_at", "retired_at"]
    readonly_fields = ["status", "effective_from", "published_at_local", "published_by", "retired_at_local",
                       "created_by", "created_at_local"]
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


def deviation_text(result) -> str:
    """The normalized deviation as a person reads it (0 when met; 0.333, not 0.3333333333333333)."""
    return f"{result.deviation:.3g}" if result.deviation is not None else "-"


class ResultInline(RecordReadOnly, admin.TabularInline):
    """A check's results: what was asked, the value given, and how it was judged."""

    model = CheckResult
    fields = ["prompt", "value", "met", "passed", "shortfall", "note"]
    readonly_fields = fields
    ordering = ["criterion__touch_point__order", "criterion__order"]
    can_delete = False
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")

    @admin.display(description="criterion")
    def prompt(self, obj):
        return format_html("{}<br><small>{}</small>", obj.criterion.prompt, obj.criterion.key)

    @admin.display(description="deviation")
    def shortfall(self, obj):
        return deviation_text(obj)


@admin.register(DailyCheck)
@local_times("performed_at", "received_at", "superseded_at")
class DailyCheckAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["site", "date", "version", "submitted_by", "late", "is_current", "score_percent",
                    "received_at_local"]
    list_filter = ["late", "is_current", "site__region"]
    search_fields = ["site__code"]
    date_hierarchy = "date"
    list_select_related = ["site", "version__standard", "submitted_by"]
    fields = ["site", "date", "version", "submitted_by", "performed_at_local", "received_at_local", "late",
              "score_percent", "is_current", "amends", "amendment_reason", "superseded_at_local", "client_id"]
    readonly_fields = ["performed_at_local", "received_at_local", "superseded_at_local", "score_percent"]
    inlines = [ResultInline]

    @admin.display(description="score", ordering="score")
    def score_percent(self, obj):
        return f"{obj.score:.1%}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The check's photos, those of its day's earlier checks too (they count for it), through the links the
        # API gives (made for this user, checked against their access): per request, the admin being shared.
        check = self.get_object(request, object_id)
        if check is not None:
            photos = (evidence_selectors.evidence_queryset()
                      .filter(daily_check__site_id=check.site_id, daily_check__date=check.date)
                      .order_by("criterion__touch_point__order", "criterion__order", "created_at"))
            extra_context = {**(extra_context or {}), "photos": [
                {"evidence": e, "criterion": e.criterion, "captured": local_time(e.captured_at, e.site),
                 "uploaded": local_time(e.created_at, e.site), "flags": flag_words(e),
                 "url": evidence_files.photo_link(e, "original", reader=request.user),
                 "thumbnail_url": evidence_files.photo_link(e, "thumbnail", reader=request.user)}
                for e in photos]}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CheckResult)
class CheckResultAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["daily_check", "criterion", "value", "met", "passed", "shortfall"]
    list_select_related = ["daily_check__site", "criterion"]
    raw_id_fields = ["daily_check", "criterion", "site"]

    @admin.display(description="deviation", ordering="deviation")
    def shortfall(self, obj):
        return deviation_text(obj)


def flag_words(e: Evidence) -> list[str]:
    """Every trust flag of a photo (``review.flags``), in words with what qualifies it: how a reused photo
    matched, the editor, the distance, who signed the capture (C2PA)."""
    words = []
    for flag in review.flags(e):
        if flag == "reused":
            how = ", ".join(part for part in (e.reuse_kind, f"{e.reuse_score:.0%} match" if e.reuse_score is not None
                                              else "", e.reuse_detail) if part)
            words.append(f"reused ({how})" if how else "reused")
        elif flag == "stale":
            words.append("stale capture")
        elif flag == "edited":
            words.append(f"edited with {e.edited_with}")
        elif flag == "captured_after_upload":
            words.append("captured after its upload")
        elif flag == "far_from_site":
            words.append(f"far from the site ({e.gps_distance_m / 1000:.1f} km)")
        elif flag == "credentials_invalid":
            errors = ", ".join((e.content_credentials or {}).get("validation_errors") or [])
            words.append(f"content credentials do not validate ({errors})")
        else:  # blurred, dark
            words.append(f"too {flag} to show anything")
    if e.content_credentials and e.content_credentials.get("valid"):
        c = e.content_credentials
        words.append(f"capture signed by {c.get('signer') or '?'} ({c.get('claim_generator') or 'C2PA'})")
    return words


@admin.register(Evidence)
@local_times("captured_at", "created_at", "verified_at")
class EvidenceAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["public_id", "site", "day", "criterion", "status", "size", "captured_at_local", "reused",
                    "stale_capture", "trust_flags"]
    list_filter = ["status", "stale_capture", "quality_issue", "far_from_site", "captured_after_upload",
                   ("site", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["site__code", "criterion__key", "=sha256", "=public_id"]
    list_select_related = ["site", "criterion"]
    date_hierarchy = "day"
    raw_id_fields = ["daily_check", "action", "criterion", "site", "uploaded_by", "reused_from"]
    exclude = ["captured_at", "verified_at"]
    readonly_fields = ["captured_at_local", "created_at_local", "verified_at_local", "trust_flags"]

    @admin.display(boolean=True, description="reused")
    def reused(self, obj):
        return obj.reused_from_id is not None

    @admin.display(description="trust flags")
    def trust_flags(self, obj):
        return "; ".join(flag_words(obj)) or "-"

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
@local_times("opened_at", "resolved_at")
class CorrectiveActionAdmin(RecordReadOnly, admin.ModelAdmin):
    list_display = ["site", "criterion", "opened_at_local", "due_on", "status", "resolved_at_local"]
    list_filter = ["status", ("site", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["site__code", "criterion__key"]
    list_select_related = ["site", "criterion"]
    raw_id_fields = ["daily_check", "criterion", "site", "resolved_by"]
    exclude = ["opened_at", "resolved_at"]
    readonly_fields = ["opened_at_local", "resolved_at_local"]
