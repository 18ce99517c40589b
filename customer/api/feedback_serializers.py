"""Feedback over HTTP: the shapes (read by hand in the services' rules, described here for the schema)."""

from __future__ import annotations

from rest_framework import serializers

from customer.models import FeedbackQuestion, FeedbackResponse, FeedbackScale
from customer.services.feedback import satisfied


class FeedbackInputSerializer(serializers.Serializer):
    """The body of ``POST /api/v1/feedback/``, for the schema: ``customer.services.feedback.rows`` checks it
    (the same rules as a row of the CSV import)."""

    site = serializers.CharField(help_text="The site's code.")
    date = serializers.DateField(help_text="The site's local date of the visit the customer rates; not in the "
                                           "site's future.")
    channel = serializers.SlugField(max_length=32, help_text="survey, email, sms, web, phone, in_store, ...")
    score = serializers.FloatField(help_text="The customer's score, on its scale (0 to 10, or 1 to 5).")
    scale = serializers.ChoiceField(choices=FeedbackScale.choices)
    question = serializers.SlugField(required=False, help_text="A question's key (GET /api/v1/feedback/questions/); "
                                                               "none: an overall rating.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    response_id = serializers.CharField(required=False, allow_blank=True, max_length=128,
                                        help_text="The survey tool's id: the same id (and question) again with "
                                                  "the same body answers 200 with the stored response, with "
                                                  "another body 409.")


class FeedbackSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    question = serializers.CharField(source="question.key", default=None)
    satisfied = serializers.SerializerMethodField(help_text="normalized >= 0.75 (8-10 of 0-10, 4-5 of 1-5).")

    class Meta:
        model = FeedbackResponse
        fields = ["id", "site", "date", "channel", "question", "scale", "score", "normalized", "satisfied",
                  "comment", "response_id", "received_at"]

    def get_satisfied(self, response) -> bool:
        return satisfied(response.normalized)


class QuestionSerializer(serializers.ModelSerializer):
    touch_point_key = serializers.SlugField(max_length=64, required=False, allow_blank=True, default="")
    criterion_key = serializers.SlugField(max_length=64, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = FeedbackQuestion
        fields = ["id", "key", "text", "touch_point_key", "criterion_key", "active"]
        read_only_fields = ["id"]
        # Uniqueness of key is the service's to answer (a 409), not the serializer's (a 400).
        extra_kwargs = {"key": {"validators": []}}
