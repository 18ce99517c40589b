"""Not-applicable marks over HTTP: the body of a mark, of its end, and the answer (services.applicability)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..services.applicability import REASON_MAX_LENGTH


class MarkSerializer(serializers.Serializer):
    """A criterion marked not applicable at a site for a period, with its reason."""

    id = serializers.IntegerField(read_only=True)
    site = serializers.CharField(source="site.code", read_only=True, help_text=_("The site's code."))
    criterion = serializers.SlugField(source="criterion_key", max_length=64,
                                      help_text=_("The criterion's key (as in the standard)."))
    starts_on = serializers.DateField(help_text=_("The first local day it does not apply."))
    ends_on = serializers.DateField(required=False, allow_null=True,
                                    help_text=_("The last local day it does not apply; null or absent: until "
                                                "further notice."))
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, trim_whitespace=True,
                                   help_text=_("Why it does not apply (no restroom, no delivery service)."))
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MarkEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField(help_text=_("The last local day the mark applies (a mark is ended, never "
                                                "deleted)."))
