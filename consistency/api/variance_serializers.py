"""The variance API's query parameters and answer.

The answer is the engine's VarianceReport as JSON. The serializers below describe it for the OpenAPI
schema; ``report_data`` writes it: a network of 1,000 sites has 40,000 criterion rows, and plain dicts
are many times faster than rendering each through a serializer instance.
"""

from __future__ import annotations

from rest_framework import serializers

from consistency.services import evidence_trust as trust
from consistency.services.period import DEFAULT_PERIOD_DAYS, period_complete
from consistency.variance import stats
from consistency.variance.types import (
    CriterionVariance,
    NotApplicableSpan,
    Rate,
    SiteVariance,
    Spread,
    TouchPointVariance,
    VarianceReport,
)
from customer.api.perception_serializers import SitePerceptionSerializer, site_perception_data
from customer.perception.types import PerceptionGap

PERCEPTION_HELP = ("true: each site also carries its perception gap (self-checks against audits and customers, "
                   "customer.perception: the numbers of GET /api/v1/perception-gap/).")


class VarianceQuerySerializer(serializers.Serializer):
    """``from`` and ``to`` (inclusive, ISO dates; default: the 30 days up to today), ``region``, ``site``."""

    to = serializers.DateField(required=False, help_text="Last day of the period (inclusive). Default: today.")
    region = serializers.SlugField(required=False, help_text="Only sites of this region code.")
    site = serializers.CharField(required=False, max_length=32, help_text="Only this site code.")
    perception = serializers.BooleanField(required=False, default=False, help_text=PERCEPTION_HELP)
    group = serializers.ChoiceField(
        choices=["touch_point", "department"], required=False,
        help_text="department: also group the criteria by department: each site's `departments` and the "
                  "network's `department_spread`, computed as the touch point rows are. Default: touch points only.")

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so the field is added by name.
        fields["from"] = serializers.DateField(required=False, help_text="First day of the period (inclusive). "
                                               f"Default: {DEFAULT_PERIOD_DAYS - 1} days before 'to'.")
        return fields

    def validate(self, attrs):
        attrs["from"], attrs["to"] = period_complete(attrs.get("from"), attrs.get("to"))
        return attrs


class RateSerializer(serializers.Serializer):
    passed = serializers.FloatField()
    expected = serializers.FloatField()
    rate = serializers.FloatField()
    low = serializers.FloatField(help_text="Wilson 95% lower bound")
    high = serializers.FloatField(help_text="Wilson 95% upper bound")


FLAG_HELP = ("'below' or 'above' the network: the network's rate lies above (below) this one's 95% interval, "
             f"with at least {stats.MIN_FLAG_OBSERVATIONS} observations expected; null when in line with the network "
             "or on too few observations to say")
FLAGGED_HELP = "Needs attention: below the network (flag == 'below'). Being above the network is not a flag."


def flag_field():
    return serializers.ChoiceField(choices=[stats.BELOW, stats.ABOVE], allow_null=True, help_text=FLAG_HELP)


def flagged_field():
    return serializers.BooleanField(help_text=FLAGGED_HELP)


class CriterionVarianceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The criterion's key (how the API and the phone name it).")
    prompt = serializers.CharField(help_text="What a person reads for the criterion (the latest version's wording).")
    touch_point = serializers.CharField(help_text="The key of the criterion's touch point.")
    pass_rate = RateSerializer(allow_null=True, help_text="null when not_applicable: \"n/a\", not a rate.")
    mean_deviation = serializers.FloatField(allow_null=True)
    deviation_stddev = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField()
    previous_rate = serializers.FloatField(allow_null=True)
    trend = serializers.FloatField(allow_null=True)
    flagged = flagged_field()
    flag = flag_field()
    not_applicable = serializers.BooleanField(
        help_text="true: the criterion is marked not applicable at the site on every day it was expected in the "
                  "period (the site's not_applicable lists the marks): no pass, no failure, no rate.")


class TouchPointVarianceSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    pass_rate = RateSerializer()
    mean_deviation = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField()
    previous_rate = serializers.FloatField(allow_null=True)
    trend = serializers.FloatField(allow_null=True)
    flagged = flagged_field()
    flag = flag_field()


class DepartmentVarianceSerializer(TouchPointVarianceSerializer):
    key = serializers.CharField(allow_null=True, help_text="The department's key; null: touch points of no "
                                                           "department.")
    name = serializers.CharField(help_text="The department's name (\"No department\" for key null).")


class PhotoCountsSerializer(serializers.Serializer):
    """Shown beside the score, which they do not change."""

    verified = serializers.IntegerField(help_text="Verified photos of the period's days (checks and corrective "
                                                  "actions).")
    reused = serializers.IntegerField(help_text="Of those, photos with the same bytes, or a perceptual hash within "
                                                f"{trust.REUSE_MAX_DISTANCE} of 64 bits, as one already submitted "
                                                "for another day or site.")
    stale = serializers.IntegerField(help_text=f"Of those, photos captured more than {trust.STALE_CAPTURE_HOURS} "
                                               "hours from noon of the day they stand for.")
    suspect = serializers.IntegerField(help_text="Of those, photos carrying either flag (a photo may carry both).")


class NotApplicableSpanSerializer(serializers.Serializer):
    criterion = serializers.CharField(help_text="The criterion's key.")
    prompt = serializers.CharField()
    to = serializers.DateField(allow_null=True, help_text="The mark's last day; null: until further notice.")
    reason = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="The mark's first day.")  # "from": a Python keyword
        return fields


class SiteVarianceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="null when nothing was expected of the site in the "
                                                               "period (it opened after it, or is closed)")
    score_interval = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    previous_score = serializers.FloatField(allow_null=True)
    trend = serializers.FloatField(allow_null=True)
    expected_days = serializers.IntegerField()
    checked_days = serializers.IntegerField()
    missed_days = serializers.IntegerField()
    late_checks = serializers.IntegerField()
    flagged = flagged_field()
    flag = flag_field()
    photos = PhotoCountsSerializer()
    touch_points = TouchPointVarianceSerializer(many=True)
    departments = DepartmentVarianceSerializer(
        many=True, required=False,
        help_text="Only with ?group=department: one row per department its touch points belong to, computed as "
                  "a touch point row is (weighted by criterion weight); key null: touch points of no department.")
    criteria = CriterionVarianceSerializer(many=True)
    not_applicable = NotApplicableSpanSerializer(
        many=True, help_text="The criteria marked not applicable at the site on some day of the period (head office's "
                             "marks, with their reason): not expected of the site on those days.")
    perception = SitePerceptionSerializer(required=False, help_text="Only with ?perception=true. " + PERCEPTION_HELP)


class SpreadSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(help_text="What a person reads: the touch point's name, or the criterion's prompt.")
    network_rate = serializers.FloatField()
    stddev = serializers.FloatField()
    min_rate = serializers.FloatField()
    max_rate = serializers.FloatField()
    drivers = serializers.ListField(child=serializers.CharField())


class VarianceReportSerializer(serializers.Serializer):
    """Documentation of the answer; ``report_data`` produces it."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    versions = serializers.ListField(child=serializers.IntegerField())
    network_score = serializers.FloatField()
    network_score_interval = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    consistency_index = serializers.FloatField(help_text="0-100: 100 x (1 - mean over criteria of the "
                                               "sites' weighted stddev of pass rates / 0.5)")
    previous_network_score = serializers.FloatField(
        allow_null=True, help_text="The network score of the previous period of the same length (the trend); "
                                   "null when nothing was expected in it.")
    previous_consistency_index = serializers.FloatField(
        allow_null=True, help_text="The consistency index of the previous period of the same length; null when "
                                   "nothing was expected in it.")
    drivers = serializers.ListField(child=serializers.CharField())
    sites = SiteVarianceSerializer(many=True)
    touch_point_spread = SpreadSerializer(many=True)
    criterion_spread = SpreadSerializer(many=True)
    department_spread = SpreadSerializer(
        many=True, required=False,
        help_text="Only with ?group=department: per department, the network's rate and the spread of the sites' "
                  "rates, as touch_point_spread (key null: touch points of no department).")


def _rate(r: Rate) -> dict:
    return {"passed": r.passed, "expected": r.expected, "rate": r.rate, "low": r.low, "high": r.high}


def _criterion(c: CriterionVariance) -> dict:
    return {"key": c.key, "prompt": c.prompt, "touch_point": c.touch_point,
            "pass_rate": None if c.not_applicable else _rate(c.pass_rate),
            "mean_deviation": c.mean_deviation, "deviation_stddev": c.deviation_stddev,
            "observations": c.observations, "previous_rate": c.previous_rate, "trend": c.trend,
            "flagged": c.flagged, "flag": c.flag, "not_applicable": c.not_applicable}


def _not_applicable(n: NotApplicableSpan) -> dict:
    return {"criterion": n.criterion, "prompt": n.prompt, "from": n.starts_on.isoformat(),
            "to": n.ends_on.isoformat() if n.ends_on is not None else None, "reason": n.reason}


def _touch_point(t: TouchPointVariance) -> dict:
    return {"key": t.key, "name": t.name, "pass_rate": _rate(t.pass_rate), "mean_deviation": t.mean_deviation,
            "observations": t.observations, "previous_rate": t.previous_rate, "trend": t.trend,
            "flagged": t.flagged, "flag": t.flag}


def _site(s: SiteVariance, departments: bool = False) -> dict:
    out = {"code": s.code, "name": s.name, "region": s.region, "score": s.score,
            "score_interval": list(s.score_interval), "previous_score": s.previous_score, "trend": s.trend,
            "expected_days": s.expected_days, "checked_days": s.checked_days, "missed_days": s.missed_days,
            "late_checks": s.late_checks, "flagged": s.flagged, "flag": s.flag,
            "photos": {"verified": s.photos.verified, "reused": s.photos.reused, "stale": s.photos.stale,
                       "suspect": s.photos.suspect},
            "touch_points": [_touch_point(t) for t in s.touch_points],
            "criteria": [_criterion(c) for c in s.criteria],
            "not_applicable": [_not_applicable(n) for n in s.not_applicable]}
    if departments:
        out["departments"] = [_touch_point(d) for d in s.departments]
    return out


def _spread(s: Spread) -> dict:
    return {"key": s.key, "name": s.name, "network_rate": s.network_rate, "stddev": s.stddev,
            "min_rate": s.min_rate, "max_rate": s.max_rate, "drivers": list(s.drivers)}


def report_data(report: VarianceReport, perception: PerceptionGap | None = None, *, departments: bool = False
                ) -> dict:
    """The answer; ``perception``: each site's gap (?perception=true); ``departments``: with the department rows
    (?group=department)."""
    data = {
        "date_from": report.date_from.isoformat(), "date_to": report.date_to.isoformat(),
        "versions": list(report.versions), "network_score": report.network_score,
        "network_score_interval": list(report.network_score_interval),
        "consistency_index": report.consistency_index,
        "previous_network_score": report.previous_network_score,
        "previous_consistency_index": report.previous_consistency_index, "drivers": list(report.drivers),
        "sites": [_site(s, departments) for s in report.sites],
        "touch_point_spread": [_spread(s) for s in report.touch_point_spread],
        "criterion_spread": [_spread(s) for s in report.criterion_spread],
    }
    if departments:
        data["department_spread"] = [_spread(s) for s in report.department_spread]
    if perception is not None:  # ?perception=true: each site's gap, by code (the same scope, the same engine)
        by_code = {g.code: g for g in perception.sites}
        for site in data["sites"]:
            if site["code"] in by_code:  # a site that joined the scope between the two reads has none
                site["perception"] = site_perception_data(by_code[site["code"]])
    return data
