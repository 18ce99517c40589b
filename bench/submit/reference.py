"""The issue's reference point, measured in the same run: a straightforward DRF submission.

"A straightforward DRF nested serializer with ``bulk_create`` reaches 0.08-0.10x (p99 about 100 ms)" was
measured on another machine. This is that design, written the usual way, so that its ratio on *this*
machine calibrates ours. It does less than the product's endpoint: no Idempotency-Key, no corrective
actions, no variance rollup, no photo rules, no late flag. Benchmark only; never routed by the product.

    POST /bench/reference/sites/<code>/checks/   (same body as the product's endpoint)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consistency.models import CheckResult, DailyCheck
from consistency.selectors.standard import version_in_force
from consistency.services.scoring import check_score, judge
from sites import access
from sites.authentication import DeviceTokenAuthentication


class CriterionKey(serializers.CharField):
    """In: a criterion's key (resolved against the version in ``validate``). Out: the criterion's key."""

    def to_representation(self, value):
        return value.key


class ResultSerializer(serializers.ModelSerializer):
    criterion = CriterionKey(max_length=64)

    class Meta:
        model = CheckResult
        fields = ["criterion", "value", "note", "met", "passed", "deviation"]
        read_only_fields = ["met", "passed", "deviation"]


class CheckSerializer(serializers.ModelSerializer):
    results = ResultSerializer(many=True)

    class Meta:
        model = DailyCheck
        fields = ["id", "date", "version", "performed_at", "received_at", "client_id", "late", "score", "results"]
        read_only_fields = ["id", "version", "received_at", "late", "score"]

    def validate(self, attrs):
        version = version_in_force(on=attrs["date"])
        if version is None:
            raise serializers.ValidationError({"date": "no standard in force"})
        criteria = {c.key: c for c in version.criteria.all()}
        for item in attrs["results"]:
            criterion = criteria.get(item["criterion"])
            if criterion is None:
                raise serializers.ValidationError({"results": f"unknown criterion {item['criterion']}"})
            item["criterion"] = criterion
        attrs["version"] = version
        return attrs

    def create(self, validated_data):
        items = validated_data.pop("results")
        rows = []
        for item in items:
            met, deviation = judge(item["criterion"], item["value"])
            rows.append(CheckResult(criterion=item["criterion"], value=item["value"], note=item.get("note", ""),
                                    met=met, passed=met and item["criterion"].photos_required == 0,
                                    deviation=deviation))
        with transaction.atomic():
            check = DailyCheck.objects.create(
                **validated_data, received_at=timezone.now(),
                score=check_score([(r.criterion.weight, r.passed) for r in rows]))
            for r in rows:
                r.daily_check, r.site_id, r.date = check, check.site_id, check.date
            CheckResult.objects.bulk_create(rows)
        return check


class ReferenceCheckView(APIView):
    authentication_classes = [DeviceTokenAuthentication]  # the product's tokens (django-rest-knox)
    permission_classes = [IsAuthenticated]

    def post(self, request, code: str):
        site = get_object_or_404(access.writable_sites(request.user), code=code)
        serializer = CheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = serializer.save(site=site, submitted_by=request.user)
        # The usual way to answer without a query per result: read it back with its criteria.
        check = DailyCheck.objects.prefetch_related(
            Prefetch("results", queryset=CheckResult.objects.select_related("criterion"))).get(pk=check.pk)
        return Response(CheckSerializer(check).data, status=status.HTTP_201_CREATED)
