"""The results export's query: the variance API's period (``from``/``to``: one parser, one period rule) and
scope, with ``sites`` (several codes) instead of ``site``, and the ``source`` wanted."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from consistency.api.variance_serializers import VarianceQuerySerializer

from .results import SOURCES

MAX_SITES = 5000


def _listed(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


class ResultsQuerySerializer(VarianceQuerySerializer):
    """``from``, ``to`` (default: the 30 days up to today), ``region`` or ``sites`` (codes separated by commas),
    ``source`` (some of check, audit, feedback separated by commas; default: all three)."""

    site = perception = group = None
    sites = serializers.CharField(required=False, max_length=MAX_SITES * 33,
                                  help_text="Only these site codes, separated by commas (not with region).")
    source = serializers.CharField(required=False, max_length=100,
                                   help_text=f"Some of {', '.join(SOURCES)}, separated by commas. Default: all.")

    def validate_sites(self, raw: str) -> list[str]:
        codes = _listed(raw)
        if not codes:
            raise serializers.ValidationError(_("Name at least one site code, or leave sites out."))
        if len(codes) > MAX_SITES:
            raise serializers.ValidationError(_("At most %(n)d sites; leave sites out for all of yours.")
                                              % {"n": MAX_SITES})
        return codes

    def validate_source(self, raw: str) -> list[str]:
        wanted = _listed(raw)
        unknown = [s for s in wanted if s not in SOURCES]
        if unknown or not wanted:
            raise serializers.ValidationError(
                _("%(given)r is not a source; the sources are %(sources)s.")
                % {"given": ",".join(unknown) or raw, "sources": ", ".join(SOURCES)})
        return [s for s in SOURCES if s in wanted]
