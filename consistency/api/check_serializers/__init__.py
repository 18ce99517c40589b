"""Daily checks over HTTP, in named parts: reading the submission's body (``body``), rendering a check
(``answers``), the list serializers and the period (``lists``) and the OpenAPI description (``schema``)."""

from .answers import check_detail_body, evidence_item, submitted_body
from .body import MAX_RESULTS, parse_check, read_json
from .lists import (
    ActionSerializer,
    CheckSummarySerializer,
    MissedDaySerializer,
    ResolveSerializer,
    period_params,
)
from .schema import (
    CheckActionItemSerializer,
    CheckEvidenceItemSerializer,
    CheckResultItemSerializer,
    CheckSerializer,
    CheckSubmissionSerializer,
    SubmittedResultSerializer,
)

__all__ = ["MAX_RESULTS", "ActionSerializer", "CheckActionItemSerializer", "CheckEvidenceItemSerializer",
           "CheckResultItemSerializer", "CheckSerializer", "CheckSubmissionSerializer", "CheckSummarySerializer",
           "MissedDaySerializer", "ResolveSerializer", "SubmittedResultSerializer", "check_detail_body",
           "evidence_item", "parse_check", "period_params", "read_json", "submitted_body"]
