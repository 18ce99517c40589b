from rest_framework import serializers

from .models import ReportKind, ReportRun


class ReportOrderSerializer(serializers.Serializer):
    """``{"kind", "from", "to", "region" | "sites"}``; meaning is checked by services.report_order."""

    kind = serializers.ChoiceField(choices=ReportKind.choices, error_messages={
        "invalid_choice": f'"{{input}}" is not a kind of report; the kinds are {", ".join(ReportKind.values)}.'})
    region = serializers.SlugField(required=False, max_length=32)
    sites = serializers.ListField(child=serializers.CharField(max_length=32), required=False, allow_empty=False,
                                  max_length=5000)
    with_photos = serializers.BooleanField(required=False, default=False, help_text=(
        "A compliance pack only: also a signed ZIP of its original photos with their SHA-256 manifest "
        "(head office and auditors)."))

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so these two are added by name.
        fields["from"] = serializers.DateField(help_text="First day of the period (sites' local dates).")
        fields["to"] = serializers.DateField(help_text="Last day of the period, inclusive.")
        return fields


class ReportRunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                          help_text="The region ordered; null for sites named one by one or the "
                                                    "whole network.")
    sites = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    links = serializers.SerializerMethodField()
    supersedes = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True,
                                              help_text="The issued pack this one re-issues.")
    superseded_by = serializers.SerializerMethodField(help_text="The newest issued pack that re-issues this one.")

    class Meta:
        model = ReportRun
        fields = ["id", "kind", "status", "progress", "error", "attempts", "region", "sites", "requested_by",
                  "created_at", "started_at", "finished_at", "pdf_sha256", "pdf_size", "with_photos",
                  "archive_sha256", "archive_size", "supersedes", "superseded_by", "links"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="period_from", read_only=True)
        fields["to"] = serializers.DateField(source="period_to", read_only=True)
        return fields

    def get_sites(self, run) -> list[str]:
        return sorted(s.code for s in run.sites.all())

    def get_superseded_by(self, run) -> str | None:
        newer = getattr(run, "superseded_by", None)  # annotated by selectors.run_list
        return str(newer) if newer else None

    def get_links(self, run) -> dict:
        base = f"/api/v1/reports/{run.public_id}/"
        done = run.status == "done"
        return {"self": base, "download": f"{base}download/" if done else None,
                "photos": f"{base}photos/" if done and run.with_photos else None}


class DownloadSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Short-lived link to the PDF.")
    expires_in = serializers.IntegerField(help_text="Seconds the link stays valid.")
    expires_at = serializers.DateTimeField()
    filename = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF to check.")


class VerifyResultSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    signature = serializers.DictField(allow_null=True, help_text=(
        "The PDF's embedded signature checked against the franchise's certificate: valid, signed_by, signing_time, "
        "covers_whole_file, intact, trusted, problems; null for a file with no PDF to check."))
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    message = serializers.CharField()
    report = serializers.DictField(allow_null=True)
