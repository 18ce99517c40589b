"""Lists of checks, corrective actions and missed days, and the period they are asked for."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from backend.errors import AppError
from backend.inputs import iso_day

from ...models import CorrectiveAction, DailyCheck
from ...services import actions as action_services
from ...services import period


class CheckSummarySerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    version = serializers.IntegerField(source="version.number")
    submitted_by = serializers.CharField(source="submitted_by.username")
    department = serializers.CharField(source="department.key", default=None, allow_null=True,
                                       help_text="The department whose check it is; null: the site's daily check.")

    class Meta:
        model = DailyCheck
        fields = ["id", "site", "date", "department", "version", "submitted_by", "performed_at", "received_at", "client_id",
                  "late", "score", "is_current", "superseded_at", "amends", "amendment_reason"]


class ShownStatusField(serializers.ChoiceField):
    """An action's status as a person reads it: ``overdue`` where an open action is past its due day."""

    def __init__(self, **kwargs):
        super().__init__(choices=action_services.SHOWN_STATUSES, source="*", read_only=True, **kwargs)

    def to_representation(self, action):
        return action_services.status_shown(action)


class ActionSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    status = ShownStatusField(help_text="open, overdue (open and past its due day at the site) or resolved.")
    criterion = serializers.CharField(source="criterion.key")
    check_id = serializers.IntegerField(source="daily_check_id")
    check_date = serializers.DateField(source="daily_check.date")
    resolved_by = serializers.CharField(source="resolved_by.username", default=None, allow_null=True,
                                        help_text="Who resolved it; null while it is open.")
    photos_required = serializers.IntegerField(source="criterion.photos_required")

    class Meta:
        model = CorrectiveAction
        fields = ["id", "site", "criterion", "check_id", "check_date", "opened_at", "due_on", "status",
                  "photos_required", "resolved_at", "resolved_by", "resolution_note"]


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=False, trim_whitespace=True)


class MissedDaySerializer(serializers.Serializer):
    site = serializers.CharField()
    site_name = serializers.CharField()
    date = serializers.DateField()


def period_params(query, *, required: bool) -> tuple[dt.date | None, dt.date | None]:
    """``from``/``to`` query parameters as dates, naming the parameter that is wrong."""
    out = []
    for name in ("from", "to"):
        raw = query.get(name)
        if not raw:
            if required:
                raise AppError(f"{name}: required, a date as YYYY-MM-DD.", field=name, code="required")
            out.append(None)
            continue
        day = iso_day(raw)
        if day is None:
            raise AppError(f"{name}: a date as YYYY-MM-DD.", field=name)
        out.append(day)
    period.period_check(out[0], out[1])  # the one period rule: how far back, how long, not in the future
    return out[0], out[1]
