from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.bodies import ClosedSerializer

from ..models import Criterion, StandardVersion, TouchPoint
from ..services.reference_photos import reference_photo_of
from ..services.standard_document import NOTES_MAX
from ..services.translation import supported, translated
from .review_serializers import ReferencePhotoLinkSerializer

IN_FORCE = "in_force"


@extend_schema_field(OpenApiTypes.STR)
class TranslatedText(serializers.Field):
    """An item's text (the field of its name) in the answer's language, ``context["language"]``, by the one rule
    (consistency.services.translation.translated): its translation if the version has one, else its own text."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, item) -> str:
        return translated(item, self.field_name, self.context.get("language"))


class CriterionSerializer(serializers.ModelSerializer):
    reference_photo = serializers.SerializerMethodField(help_text="What \"right\" looks like, if head office gave "
                                                                  "a photo: {url, thumbnail_url, caption, width, "
                                                                  "height}; else null.")
    prompt = TranslatedText(help_text="In the answer's language (Content-Language).")

    class Meta:
        model = Criterion
        fields = ["key", "prompt", "kind", "target", "comparison", "tolerance", "unit", "minimum", "maximum",
                  "weight", "critical", "photos_required", "order", "reference_photo"]

    @extend_schema_field(ReferencePhotoLinkSerializer(allow_null=True))
    def get_reference_photo(self, criterion) -> dict | None:
        return reference_photo_of(criterion.key, self.context)


class TouchPointSerializer(serializers.ModelSerializer):
    name = TranslatedText(help_text="In the answer's language (Content-Language).")
    why = TranslatedText(help_text="In the answer's language (Content-Language).")
    criteria = CriterionSerializer(many=True, read_only=True)
    department = serializers.CharField(source="department.key", default=None, allow_null=True, read_only=True,
                                       help_text="The key of the department it belongs to (see the version's "
                                                 "departments); null: the site's daily check reports it.")

    class Meta:
        model = TouchPoint
        fields = ["key", "name", "order", "why", "department", "criteria"]


class DepartmentSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    submitted_by = serializers.ChoiceField(
        choices=["site", "department"],
        help_text="Who reports its touch points: 'site', the site's daily check (its manager); 'department', its "
                  "own staff, in a check of their own for each site they serve (the check body's `department`).")


def version_departments(version) -> list:
    """The departments a version's touch points name, in the departments' order (from the loaded contents)."""
    found = {tp.department.pk: tp.department for tp in version.touch_points.all() if tp.department is not None}
    return sorted(found.values(), key=lambda d: (d.order, d.key))


class VersionSummarySerializer(serializers.ModelSerializer):
    standard = serializers.CharField(source="standard.slug")
    standard_name = serializers.CharField(source="standard.name")

    class Meta:
        model = StandardVersion
        fields = ["standard", "standard_name", "number", "status", "notes", "effective_from", "created_at",
                  "published_at", "retired_at"]


class VersionSerializer(VersionSummarySerializer):
    """A version with its contents, its texts in ``context["language"]`` (the standard's own by default)."""

    language = serializers.SerializerMethodField(
        help_text="The language of the touch points' names and whys and the criteria's prompts (as the "
                  "Content-Language header says): ?lang=, else your profile's language, else the best of "
                  "Accept-Language the standard comes in, else the standard's own.")
    departments = serializers.SerializerMethodField(help_text="The departments its touch points belong to.")
    touch_points = TouchPointSerializer(many=True, read_only=True)

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "language", "departments", "touch_points"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_language(self, version) -> str:
        return supported(self.context.get("language"))

    @extend_schema_field(DepartmentSerializer(many=True))
    def get_departments(self, version) -> list:
        return DepartmentSerializer(version_departments(version), many=True).data


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


# The largest number a version can have (a PositiveIntegerField): a larger one is a 400, not the database's 500.
VERSION_NUMBER_MAX = 2_147_483_647


class DiffQuerySerializer(serializers.Serializer):
    """``?from=N&to=M``: two version numbers, both required (the page at /app/standard/diff/ reads them with
    this same serializer, so it refuses what the API refuses)."""

    to = serializers.IntegerField(min_value=1, max_value=VERSION_NUMBER_MAX,
                                  help_text="The version to compare to (the newer side, usually).")

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so the field is added by name (as VarianceQuerySerializer's).
        return {"from": serializers.IntegerField(min_value=1, max_value=VERSION_NUMBER_MAX,
                                                 help_text="The version to compare from."), **fields}


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field that differs (a criterion's: prompt, kind, target, "
                                            "comparison, tolerance, unit, minimum, maximum, weight, critical, "
                                            "photos_required, or touch_point when it moved; a touch point's: name, "
                                            "why or department (its key, null for none)); a translated "
                                            "text as translations.<language>.<field> (e.g. translations.fr.prompt; "
                                            "null on the side without it).")
    before = serializers.JSONField(help_text="Its value in version 'from'.")
    after = serializers.JSONField(help_text="Its value in version 'to'.")


class DiffCriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    prompt = serializers.CharField()
    touch_point = serializers.CharField(help_text="The key of the touch point it belongs to.")
    touch_point_name = serializers.CharField()
    requirement = serializers.CharField(help_text="What it asks, in words: 'yes', 'at least 4 of 5', "
                                                  "'at most 3 rings'.")


class DiffCriterionChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    prompt = serializers.CharField(help_text="As version 'to' words it.")
    touch_point = serializers.CharField(help_text="The key of its touch point in version 'to'.")
    touch_point_name = serializers.CharField()
    requirement_before = serializers.CharField(help_text="What it asked in version 'from', in words.")
    requirement_after = serializers.CharField(help_text="What it asks in version 'to', in words.")
    changes = FieldChangeSerializer(many=True)


class DiffTouchPointSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    why = serializers.CharField(allow_blank=True)
    criteria = serializers.IntegerField(help_text="How many criteria it holds.")


class DiffTouchPointChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(help_text="As version 'to' names it.")
    changes = FieldChangeSerializer(many=True)


class VersionDiffSerializer(serializers.Serializer):
    """From version 'from' to version 'to': what a reader of 'from' finds different in 'to'. Criteria and touch
    points are matched by key; comparing a version with itself answers empty lists."""

    number_from = serializers.IntegerField(help_text="Version 'from'.")
    number_to = serializers.IntegerField(help_text="Version 'to'.")
    change_count = serializers.IntegerField(help_text="How many entries the lists below hold (the order change "
                                                      "counts one); 0: the two versions ask the same.")
    touch_points_added = DiffTouchPointSerializer(many=True)
    touch_points_removed = DiffTouchPointSerializer(many=True)
    touch_points_changed = DiffTouchPointChangeSerializer(many=True)
    touch_point_order = FieldChangeSerializer(
        allow_null=True, help_text="The shared touch points' keys in each version's order, when it differs; "
                                   "else null.")
    criteria_added = DiffCriterionSerializer(many=True)
    criteria_removed = DiffCriterionSerializer(many=True)
    criteria_changed = DiffCriterionChangeSerializer(many=True)
