from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import AuditEntry, ChainCheck


class EntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", help_text="The username as it was; empty: the system.")
    action_label = serializers.CharField(source="get_action_display")
    site = serializers.CharField(source="site_code", allow_null=True)
    data = serializers.SerializerMethodField(help_text="What changed: before and after where it matters.")

    class Meta:
        model = AuditEntry
        fields = ["seq", "at", "actor", "action", "action_label", "target_type", "target_id", "site", "data",
                  "request_id", "prev_hash", "hash"]

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_data(self, entry) -> dict:
        return entry.data


class ChainCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChainCheck
        fields = ["checked_at", "intact", "entries", "head_seq", "head_hash", "broken_seq", "problem", "seconds"]


class VerificationSerializer(serializers.Serializer):
    last = ChainCheckSerializer(allow_null=True, help_text="The last verification (daily, beat: audit.verify_chain); "
                                                         "null before the first.")
    head_seq = serializers.IntegerField(help_text="The newest entry now: those after last.head_seq are not yet "
                                                  "verified.")
