"""Shapes of evidence over HTTP. Validation of shape only; the rules live in services/evidence/."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Evidence
from ..services import capture, evidence_files, images
from ..services.evidence import review


class EvidenceRequestSerializer(serializers.Serializer):
    criterion = serializers.CharField(max_length=64, required=False, allow_blank=False,
                                      help_text="Criterion key (optional for a corrective action: its own).")
    content_type = serializers.ChoiceField(choices=sorted(images.ALLOWED_TYPES),
                                           help_text="The photo's type; the file's first bytes must agree (HEIC and "
                                                     "HEIF are one container: either name is taken for either).")
    size = serializers.IntegerField(min_value=1, help_text="Exact size of the file in bytes.")
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the file, hex.",
                                    error_messages={"invalid": "Give the file's SHA-256 as 64 hex digits."})


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The photo (JPEG, PNG, or HEIC/HEIF as iPhones take it).",
                                 allow_empty_file=False)
    criterion = serializers.CharField(max_length=64, required=False, allow_blank=False)
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False,
                                    error_messages={"invalid": "Give the file's SHA-256 as 64 hex digits."})


class UploadFormSerializer(serializers.Serializer):
    method = serializers.CharField()
    url = serializers.URLField()
    fields = serializers.DictField(child=serializers.CharField(),
                                   help_text="Form fields to send, in this order, before the 'file' field.")
    expires_at = serializers.DateTimeField()


class EvidenceSerializer(serializers.ModelSerializer):
    """One photo. ``reused_from`` names the earlier photo only to readers of that photo's site; the
    ``reused`` flag itself, and how it matched (``reuse_kind``, ``reuse_score``, ``reuse_detail``: nothing of the
    other photo's site or day), are shown to everyone who reads this one."""

    id = serializers.UUIDField(source="public_id")
    check = serializers.IntegerField(source="daily_check_id", allow_null=True)
    action = serializers.IntegerField(source="action_id", allow_null=True)
    audit = serializers.IntegerField(source="audit_id", allow_null=True)
    site = serializers.CharField(source="site.code")
    criterion = serializers.CharField(source="criterion.key")
    uploaded_by = serializers.SerializerMethodField(help_text="Who took it; null to the site for a mystery shop's "
                                                              "photo (a shopper is never named to the site).")
    content_type = serializers.CharField(source="declared_content_type")
    declared = serializers.SerializerMethodField()
    reused = serializers.SerializerMethodField()
    reused_from = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="Short-lived link to the verified original (expires after "
                                                      "DOWNLOAD_LINK_SECONDS): presigned S3, or served by the API "
                                                      "where photos are on local disk.")
    thumbnail_url = serializers.SerializerMethodField(help_text="Short-lived link to the 800 px report copy, the "
                                                                "same way.")
    # Capture checks (consistency.services.capture).
    flags = serializers.SerializerMethodField(help_text="Every trust flag the photo carries (what puts it in the "
                                                        "review): reused, stale, blurred, dark, edited, "
                                                        "captured_after_upload, far_from_site, credentials_invalid.")
    quality_issue = serializers.CharField(help_text="'blurred' or 'dark': too little to show anything, flagged at "
                                                    "confirmation so that it is taken again on site; '' otherwise.")
    capture_warning = serializers.SerializerMethodField(help_text="What to tell the person who took it about a "
                                                                  "blurred or dark photo, in their language; null.")
    gps = serializers.SerializerMethodField(help_text="The photo's EXIF GPS position {latitude, longitude}: to head "
                                                      "office and auditors only (others get photos without it).")
    content_credentials = serializers.JSONField(help_text="C2PA content credentials read from the photo: signer, "
                                                          "issuer, claim_generator, signed_at, state, valid, "
                                                          "trusted, validation_errors; null without them.")

    class Meta:
        model = Evidence
        fields = ["id", "check", "action", "audit", "site", "day", "criterion", "status", "reject_reason", "uploaded_by",
                  "content_type", "declared", "size", "sha256", "width", "height", "captured_at", "phash",
                  "reused", "reused_from", "stale_capture", "created_at", "verified_at", "url",
                  "thumbnail_url",
                  "reuse_kind", "reuse_score", "reuse_detail"]
        # Capture checks (consistency.services.capture).
        fields += ["flags", "sharpness", "brightness", "quality_issue", "capture_warning", "edited_with",
                   "captured_after_upload", "gps", "gps_distance_m", "far_from_site", "content_credentials"]

    def get_uploaded_by(self, obj) -> str | None:
        return obj.uploaded_by.username if self._names_uploader(obj) else None

    def _names_uploader(self, obj) -> bool:
        if obj.audit_id is None:
            return True
        from customer.selectors.audits import names_submitter  # customer builds on consistency

        return names_submitter(self.context.get("reader"), obj.audit.kind)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not self._names_uploader(obj):
            data["captured_at"] = data["created_at"] = data["verified_at"] = None  # the visit's time, to the site
        return data

    def get_flags(self, obj) -> list[str]:
        return review.flags(obj)

    def get_capture_warning(self, obj) -> str | None:
        return capture.quality_message(obj.quality_issue) or None

    def get_gps(self, obj) -> dict | None:
        if obj.gps_latitude is None or not evidence_files.reads_originals(self.context.get("reader")):
            return None
        return {"latitude": obj.gps_latitude, "longitude": obj.gps_longitude}

    def get_declared(self, obj) -> dict:
        return {"content_type": obj.declared_content_type, "size": obj.declared_size, "sha256": obj.declared_sha256}

    def get_reused(self, obj) -> bool:
        return obj.reused_from_id is not None

    def get_reused_from(self, obj) -> dict | None:
        other = obj.reused_from
        if other is None or other.site_id not in self.context.get("readable_site_ids", ()):
            return None
        return {"id": str(other.public_id), "site": other.site.code, "day": other.day, "check": other.daily_check_id}

    def get_url(self, obj) -> str | None:
        return evidence_files.photo_link(obj, "original", reader=self.context.get("reader"),
                                         request=self.context.get("request"))

    def get_thumbnail_url(self, obj) -> str | None:
        return evidence_files.photo_link(obj, "thumbnail", reader=self.context.get("reader"),
                                         request=self.context.get("request"))
