"""Shapes of photo reviews, retake requests and reference photos over HTTP. Validation of shape only; the rules
live in services/evidence/review.py, retakes.py and services/reference_photos.py."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.bodies import ClosedSerializer

from ..models import PhotoReview, RetakeRequest, ReviewDecision
from ..services.evidence import retakes
from ..services.evidence.review import REASON_MAX
from ..services.reference_photos import CAPTION_MAX
from .evidence_serializers import EvidenceSerializer


class ReviewRequestSerializer(ClosedSerializer):
    unknown_field_of = "a field of a review"
    decision = serializers.ChoiceField(choices=ReviewDecision.values,
                                       help_text="reject: a verified photo of a check stops counting and a retake "
                                                 "is asked for; clear: a flagged (reused or stale) photo is trusted.")
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why; the site's managers read it.")


def _retake_of(review: PhotoReview) -> RetakeRequest | None:
    try:
        return review.retake
    except RetakeRequest.DoesNotExist:
        return None


class PhotoReviewSerializer(serializers.ModelSerializer):
    evidence = serializers.UUIDField(source="evidence.public_id")
    decided_by = serializers.CharField(source="decided_by.get_username")
    retake = serializers.SerializerMethodField(help_text="The retake request a rejection opened (its id).")

    class Meta:
        model = PhotoReview
        fields = ["id", "evidence", "decision", "reason", "decided_by", "decided_at", "retake"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_retake(self, review) -> int | None:
        retake = _retake_of(review)
        return retake.pk if retake is not None else None


class EvidenceWithReviewsSerializer(EvidenceSerializer):
    """One photo, with its reviews: ``trusted`` once a flagged photo was cleared."""

    reviews = serializers.SerializerMethodField()
    trusted = serializers.SerializerMethodField(help_text="Cleared on review: its reuse or staleness flag was "
                                                          "looked at and accepted (the reason is in reviews).")

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "trusted", "reviews"]

    def _reviews(self, obj) -> list[PhotoReview]:
        if not hasattr(obj, "_reviews_shown"):
            from ..selectors.review import reviews_of

            obj._reviews_shown = list(reviews_of(obj))
        return obj._reviews_shown

    @extend_schema_field(PhotoReviewSerializer(many=True))
    def get_reviews(self, obj) -> list:
        return PhotoReviewSerializer(self._reviews(obj), many=True).data

    @extend_schema_field(serializers.BooleanField())
    def get_trusted(self, obj) -> bool:
        return any(r.decision == ReviewDecision.CLEAR for r in self._reviews(obj))


class RetakeSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    day = serializers.DateField(source="daily_check.date")
    check = serializers.IntegerField(source="daily_check_id", help_text="The check the rejected photo was given for.")
    current_check = serializers.IntegerField(source="current_check_id", allow_null=True,
                                             help_text="The day's current check: attach the retake here (POST "
                                                       "/checks/{id}/evidence/ with this criterion).")
    criterion = serializers.CharField(source="criterion.key")
    prompt = serializers.CharField(source="criterion.prompt")
    status = serializers.SerializerMethodField()
    reason = serializers.CharField(source="review.reason")
    rejected_by = serializers.CharField(source="review.decided_by.get_username")
    rejected = serializers.UUIDField(source="rejected.public_id", help_text="The photo rejected.")
    retake = serializers.UUIDField(source="retake.public_id", allow_null=True, default=None,
                                   help_text="The verified photo that answered it.")

    class Meta:
        model = RetakeRequest
        fields = ["id", "site", "day", "check", "current_check", "criterion", "prompt", "status", "reason",
                  "rejected_by", "created_at", "due_at", "rejected", "retake", "fulfilled_at"]

    @extend_schema_field(serializers.ChoiceField(choices=["open", "overdue", "fulfilled"]))
    def get_status(self, retake) -> str:
        return retakes.status_of(retake, self.context.get("now") or timezone.now())


class ReferencePhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The photo (JPEG, PNG or HEIC/HEIF).", allow_empty_file=False)
    caption = serializers.CharField(max_length=CAPTION_MAX, required=False, allow_blank=True,
                                    help_text="What to look at in it (shown under the photo).")


class ReferencePhotoLinkSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The photo as uploaded (a stable address: a replacement is a new one).")
    thumbnail_url = serializers.CharField(help_text="A small copy (400 px) for lists.")
    caption = serializers.CharField(allow_blank=True)
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class ReferencePhotoSerializer(ReferencePhotoLinkSerializer):
    criterion = serializers.CharField()
