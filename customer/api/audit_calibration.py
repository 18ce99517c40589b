"""Calibration visits over HTTP (head office): mark audits as one visit, and compare auditors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.bodies import ClosedSerializer
from backend.errors import Forbidden
from consistency.api.check_serializers import period_params
from sites import access

from ..services import calibration as services
from .audit_views import PERIOD


class CalibrationMarkSerializer(ClosedSerializer):
    audits = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=2,
                                   max_length=services.MAX_AUDITS,
                                   help_text="Ids of the audits of one site and day, by at least two auditors.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_LENGTH)


class VisitAuditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    auditor = serializers.CharField(source="submitted_by.username")
    score = serializers.FloatField()
    observed = serializers.IntegerField()


class ObservationSerializer(serializers.Serializer):
    audit = serializers.IntegerField(source="audit_id")
    auditor = serializers.CharField()
    value = serializers.FloatField(help_text="As stored: a yes/no as 1/0, a score 1-5, a number in its unit.")
    met = serializers.BooleanField()
    deviation = serializers.FloatField()


class CriterionAgreementSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    touch_point = serializers.CharField()
    agree = serializers.BooleanField(help_text="Every audit of the visit that observed it said the same: met or not.")
    deviation_range = serializers.FloatField(help_text="Highest minus lowest deviation among them.")
    observations = ObservationSerializer(many=True)


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="visit.id")
    site = serializers.CharField(source="visit.site.code")
    date = serializers.DateField(source="visit.date")
    note = serializers.CharField(source="visit.note")
    marked_by = serializers.CharField(source="visit.marked_by.username")
    marked_at = serializers.DateTimeField(source="visit.marked_at")
    audits = VisitAuditSerializer(many=True)
    criteria = CriterionAgreementSerializer(many=True, help_text="Criteria observed by at least two of its audits.")


class PairSerializer(serializers.Serializer):
    auditors = serializers.ListField(child=serializers.CharField())
    visits = serializers.IntegerField(help_text="Calibration visits both took part in.")
    compared = serializers.IntegerField(help_text="Criteria both observed, over those visits.")
    agreeing = serializers.IntegerField()
    agreement = serializers.FloatField(help_text="agreeing / compared.")
    agreement_low = serializers.FloatField(help_text="Wilson 95% interval, lower bound.")
    agreement_high = serializers.FloatField()
    kappa = serializers.FloatField(allow_null=True, help_text="Cohen's kappa on met/not met; null below "
                                                              "`kappa_min_comparisons` comparisons, or when both "
                                                              "auditors gave one answer throughout.")
    kappa_note = serializers.CharField(help_text="Why kappa is null, when it is.")
    mean_abs_deviation_difference = serializers.FloatField(help_text="Mean |deviation a - deviation b|, 0-1.")


class CalibrationReportSerializer(serializers.Serializer):
    visits = VisitSerializer(many=True)
    pairs = PairSerializer(many=True)
    kappa_min_comparisons = serializers.IntegerField()


def _visit_body(visit) -> dict:
    report = services.calibration_report(date_from=visit.date, date_to=visit.date)
    return VisitSerializer(next(v for v in report.visits if v.visit.pk == visit.pk)).data


class CalibrationsView(APIView):
    @extend_schema(parameters=PERIOD, responses=CalibrationReportSerializer,
                   summary="Calibration visits and how far auditors differ (head office)",
                   description="Each visit of the period with its audits (auditors named) and per-criterion "
                               "agreement; each pair of auditors across the visits they shared: agreement share "
                               "with its Wilson interval, Cohen's kappa (from `kappa_min_comparisons`), mean "
                               "absolute difference of deviation.")
    def get(self, request):
        if not access.is_head_office(request.user):
            raise Forbidden("Only head office compares auditors.")
        date_from, date_to = period_params(request.query_params, required=False)
        report = services.calibration_report(date_from=date_from, date_to=date_to)
        return Response(CalibrationReportSerializer(report).data)

    @extend_schema(request=CalibrationMarkSerializer, responses={201: VisitSerializer},
                   summary="Mark audits of one site and day, by two or more auditors, as a calibration visit",
                   description="Head office only. 400 `not_one_visit` (different sites or days), `one_auditor`; "
                               "409 `already_in_visit`.")
    def post(self, request):
        if not access.is_head_office(request.user):
            raise Forbidden("Only head office marks calibration visits.")
        body = CalibrationMarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visit = services.calibration_mark(user=request.user, audit_ids=body.validated_data["audits"],
                                          note=body.validated_data.get("note", ""))
        return Response(_visit_body(visit), status=status.HTTP_201_CREATED)
