from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.bodies import ClosedSerializer

from ..models import Criterion, StandardVersion, TouchPoint
from ..services.standard_document import NOTES_MAX

IN_FORCE = "in_force"


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["key", "prompt", "kind", "target", "comparison", "tolerance", "unit", "minimum", "maximum",
                  "weight", "critical", "photos_required", "order"]


class TouchPointSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = TouchPoint
        fields = ["key", "name", "order", "why", "criteria"]


class VersionSummarySerializer(serializers.ModelSerializer):
    standard = serializers.CharField(source="standard.slug")
    standard_name = serializers.CharField(source="standard.name")

    class Meta:
        model = StandardVersion
        fields = ["standard", "standard_name", "number", "status", "notes", "effective_from", "created_at",
                  "published_at", "retired_at"]


class VersionSerializer(VersionSummarySerializer):
    touch_points = TouchPointSerializer(many=True, read_only=True)

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "touch_points"]


class UpcomingVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    effective_from = serializers.DateField()


class CurrentVersionSerializer(VersionSerializer):
    """The version in force on a site's local day; the day, site and time zone come in the context."""

    status = serializers.SerializerMethodField(
        help_text="Always in_force: checks of for_date at this site are judged by this version, whatever its place "
                  "in head office's cycle (published, or already retired because a newer version was published to "
                  "take effect later: see upcoming).")
    for_date = serializers.SerializerMethodField(help_text="The local date at the site this checklist is for.")
    site = serializers.SerializerMethodField(
        help_text="The site whose local date it is (?site=, or your site if you have exactly one); null when no "
                  "site was asked for and you read several: then for_date is the server's date, in UTC.")
    time_zone = serializers.SerializerMethodField(help_text="The IANA time zone for_date is local to.")
    upcoming = UpcomingVersionSerializer(allow_null=True, read_only=True,
                                         help_text="The version that takes effect next, if one is published.")

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "for_date", "site", "time_zone", "upcoming"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_status(self, version) -> str:
        return IN_FORCE

    @extend_schema_field(OpenApiTypes.DATE)
    def get_for_date(self, version) -> str:
        return self.context["for_date"].isoformat()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_site(self, version) -> str | None:
        return self.context["site"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_time_zone(self, version) -> str:
        return self.context["time_zone"]


class DraftCreateSerializer(ClosedSerializer):
    """A new draft, a copy of the published version, with notes of its own; any other field is refused."""

    unknown_field_of = "a field of a new draft"
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX)


class PublishSerializer(ClosedSerializer):
    """When the draft takes effect; any other field is refused."""

    unknown_field_of = "a field of a publication"
    effective_from = serializers.DateField(
        required=False, allow_null=True,
        help_text="The first local day whose checks are judged by this version, at every site. "
                  "Default (absent or null): the earliest day it can take effect from today on: today, unless a "
                  "check was already submitted for today or later (then the day after the last one). The answer's "
                  "effective_from is the day chosen.")


class CriterionPatchSerializer(ClosedSerializer):
    """The fields of a criterion head office may change in a draft (services.standard.EDITABLE_CRITERION_FIELDS);
    its key and kind never change, and any other field is refused."""

    unknown_field_of = "a criterion field that can be changed"
    prompt = serializers.CharField(required=False, max_length=300)
    target = serializers.FloatField(required=False)
    comparison = serializers.ChoiceField(["lte", "gte", ""], required=False)
    tolerance = serializers.FloatField(required=False, min_value=0)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=24)
    weight = serializers.FloatField(required=False)
    critical = serializers.BooleanField(required=False)
    photos_required = serializers.IntegerField(required=False, min_value=0, max_value=10)
    minimum = serializers.FloatField(required=False, allow_null=True,
                                     help_text="number: the lowest possible reading; null for no bound.")
    maximum = serializers.FloatField(required=False, allow_null=True,
                                     help_text="number: the highest possible reading; null for no bound.")
