"""The perception gap's answer (the query is the variance API's: perception_views.py).

The answer is the engine's PerceptionGap as JSON: the serializers below document it for the OpenAPI schema; ``gap_data`` writes
it from the dataclasses as plain dicts (as the variance API does: 1,000 sites' rows are many serializer
instances otherwise). The variance API's ``?perception=true`` writes each site's part with
``site_perception_data`` (so this module imports nothing of consistency.api).
"""

from __future__ import annotations

from rest_framework import serializers

from customer.perception import stats
from customer.perception.types import Correlation, CustomerScore, Gap, GapRow, PerceptionGap, Rate, SiteGap


class PerceptionRateSerializer(serializers.Serializer):
    successes = serializers.IntegerField(help_text="Passed results (self-checks, audits) or satisfied customers.")
    n = serializers.IntegerField(help_text="Observations: results received, or feedback responses.")
    rate = serializers.FloatField(allow_null=True, help_text="successes / n; null when n is 0.")
    low = serializers.FloatField(allow_null=True, help_text="Wilson 95% lower bound; null when n is 0.")
    high = serializers.FloatField(allow_null=True, help_text="Wilson 95% upper bound; null when n is 0.")


SUPPORTED_HELP = (f"The 95% interval excludes 0 and each side has at least {stats.MIN_OBSERVATIONS} observations. "
                  "Intervals treat results as independent; results of one check or one audit are not, so read "
                  "them as a lower bound on the uncertainty (docs/perception-gap.md).")


class GapSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="a - b; null when either side has no data.")
    low = serializers.FloatField(allow_null=True, help_text="Newcombe hybrid score 95% lower bound.")
    high = serializers.FloatField(allow_null=True, help_text="Newcombe hybrid score 95% upper bound.")
    supported = serializers.BooleanField(help_text=SUPPORTED_HELP)


class CustomerScoreSerializer(serializers.Serializer):
    satisfied = PerceptionRateSerializer(help_text="Responses with a normalized score of at least 0.75 (8-10 of "
                                                   "0-10, 4-5 of 1-5) over all responses.")
    mean = serializers.FloatField(allow_null=True, help_text="Mean normalized score, 0..1.")
    mean_low = serializers.FloatField(allow_null=True, help_text="Normal 95% interval of the mean.")
    mean_high = serializers.FloatField(allow_null=True)


class GapRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='"" for the whole scope, else the touch point or criterion key.')
    name = serializers.CharField()
    touch_point = serializers.CharField(allow_blank=True)
    department = serializers.CharField(allow_blank=True, help_text='The touch point\'s department key, "" if none.')
    self_check = PerceptionRateSerializer(help_text="Current self-check results of the period: passed / observed.")
    self_check_audited = PerceptionRateSerializer(
        help_text="Self-check results of only the (site, criterion) pairs the period's audits observed: what "
                  "self_vs_audit compares (like with like).")
    audit = PerceptionRateSerializer(help_text="Audit and mystery-shop results of the period: passed / observed.")
    customer = CustomerScoreSerializer()
    self_vs_audit = GapSerializer(help_text="self_check_audited.rate - audit.rate")
    self_vs_customer = GapSerializer(help_text="self_check.rate - customer.satisfied.rate")
    audit_vs_customer = GapSerializer(help_text="audit.rate - customer.satisfied.rate")


class SiteGapSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    self_check = PerceptionRateSerializer(help_text="All of the site's self-check results of the period.")
    self_check_audited = PerceptionRateSerializer(help_text="Its self-check results on the criteria its audits "
                                                            "observed.")
    audit = PerceptionRateSerializer()
    customer = CustomerScoreSerializer()
    optimism = GapSerializer(help_text="self_check_audited.rate - audit.rate: how much better the site says it does "
                                       "than its auditors found, on the same criteria.")
    audits = serializers.IntegerField(help_text="Audits and mystery shops of the site in the period.")
    rank = serializers.IntegerField(allow_null=True, help_text="1 = most optimistic, by the optimism interval's "
                                                               "lower bound; null unless the optimism is supported "
                                                               "and above 0.")


class CorrelationSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=["self_check", "audit"])
    sites = serializers.IntegerField(help_text=f"Sites with at least {stats.MIN_OBSERVATIONS} observations of the "
                                               f"measure and {stats.MIN_OBSERVATIONS} feedback responses.")
    r = serializers.FloatField(allow_null=True, help_text="Pearson's r of the measure and the satisfied share.")
    low = serializers.FloatField(allow_null=True, help_text="Fisher z 95% lower bound.")
    high = serializers.FloatField(allow_null=True)
    verdict = serializers.ChoiceField(choices=[stats.POSITIVE, stats.NEGATIVE, stats.NO_CLEAR_LINK, stats.TOO_THIN],
                                      help_text=f"too_thin below {stats.MIN_CORRELATION_SITES} sites.")
    message = serializers.CharField(help_text="The verdict said plainly.")


class PerceptionGapSerializer(serializers.Serializer):
    """Documentation of the answer; ``gap_data`` produces it."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    region = serializers.CharField(allow_null=True)
    site = serializers.CharField(allow_null=True)
    overall = GapRowSerializer()
    touch_points = GapRowSerializer(many=True)
    criteria = GapRowSerializer(many=True, help_text="Criteria audits or customers said something about.")
    sites = SiteGapSerializer(many=True)
    optimistic = SiteGapSerializer(many=True, help_text="The ranked sites, rank 1 first: candidates for a visit.")
    correlations = CorrelationSerializer(many=True)


class SitePerceptionSerializer(serializers.Serializer):
    """A site's perception in the variance answer (``?perception=true``)."""

    self_check = PerceptionRateSerializer()
    self_check_audited = PerceptionRateSerializer()
    audit = PerceptionRateSerializer()
    customer = CustomerScoreSerializer()
    optimism = GapSerializer()
    audits = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)


def rate_data(r: Rate) -> dict:
    return {"successes": r.successes, "n": r.n, "rate": r.rate, "low": r.low, "high": r.high}


def gap_value_data(g: Gap) -> dict:
    return {"value": g.value, "low": g.low, "high": g.high, "supported": g.supported}


def customer_data(c: CustomerScore) -> dict:
    return {"satisfied": rate_data(c.satisfied), "mean": c.mean, "mean_low": c.mean_low, "mean_high": c.mean_high}


def row_data(row: GapRow) -> dict:
    return {"key": row.key, "name": row.name, "touch_point": row.touch_point, "department": row.department,
            "self_check": rate_data(row.self_check), "self_check_audited": rate_data(row.self_check_audited),
            "audit": rate_data(row.audit), "customer": customer_data(row.customer),
            "self_vs_audit": gap_value_data(row.self_vs_audit), "self_vs_customer": gap_value_data(row.self_vs_customer),
            "audit_vs_customer": gap_value_data(row.audit_vs_customer)}


def site_perception_data(g: SiteGap) -> dict:
    """A site's figures without its name (the variance answer names the site already)."""
    return {"self_check": rate_data(g.self_check), "self_check_audited": rate_data(g.self_check_audited),
            "audit": rate_data(g.audit), "customer": customer_data(g.customer), "optimism": gap_value_data(g.optimism),
            "audits": g.audits, "rank": g.rank}


def site_data(g: SiteGap) -> dict:
    return {"code": g.code, "name": g.name, "region": g.region, **site_perception_data(g)}


def correlation_data(c: Correlation) -> dict:
    return {"measure": c.measure, "sites": c.sites, "r": c.r, "low": c.low, "high": c.high, "verdict": c.verdict,
            "message": c.message}


def gap_data(gap: PerceptionGap) -> dict:
    return {"date_from": gap.date_from.isoformat(), "date_to": gap.date_to.isoformat(), "region": gap.region,
            "site": gap.site, "overall": row_data(gap.overall), "touch_points": [row_data(r) for r in gap.touch_points],
            "criteria": [row_data(r) for r in gap.criteria], "sites": [site_data(s) for s in gap.sites],
            "optimistic": [site_data(s) for s in gap.optimistic],
            "correlations": [correlation_data(c) for c in gap.correlations]}
