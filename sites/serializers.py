from rest_framework import serializers

from backend.bodies import ClosedSerializer

from .models import DeviceToken, Region, Site


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class SiteSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True)

    class Meta:
        model = Site
        fields = ["code", "name", "region", "timezone", "active", "opened_on"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    sites = serializers.ListField(child=serializers.CharField(),
                                  help_text="Codes of the sites you see: those you read and, for a mystery shopper, "
                                            "those you visit (whose own data they never read).")
    writable_sites = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField(), help_text="Regions assigned to an auditor.")


class SignInSerializer(ClosedSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    device_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True,
        help_text="What the person calls this device (\"Anna's phone\"); the User-Agent when left out.")


class DeviceTokenSerializer(serializers.ModelSerializer):
    """A signed-in device, without its token: the token is shown once, when it is issued."""

    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = DeviceToken
        fields = ["id", "user", "device_name", "created", "last_used", "expiry"]
        extra_kwargs = {"expiry": {"help_text": "When it stops working unless used before then: each use moves "
                                                "it TOKEN_IDLE_DAYS ahead."}}


class IssuedTokenSerializer(DeviceTokenSerializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>` (or `Bearer <token>`). "
                                            "Only its digest is stored: it cannot be shown again.")

    class Meta(DeviceTokenSerializer.Meta):
        fields = ["token", *DeviceTokenSerializer.Meta.fields]
