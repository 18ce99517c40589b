from .checks import CheckResult, CorrectiveAction, DailyCheck, Evidence, IdempotencyRecord, PhotoKey
from .review import NotApplicable, PhotoReview, ReferencePhoto, RetakeRequest, ReviewDecision
from .standard import (
                       Comparison,
                       Criterion,
                       Department,
                       Kind,
                       Standard,
                       StandardVersion,
                       SubmittedBy,
                       TouchPoint,
                       VersionStatus,
)
from .summary import SitePhotoDay, SiteRollup

__all__ = [
    "CheckResult",
    "Comparison",
    "CorrectiveAction",
    "Criterion",
    "DailyCheck",
    "Department",
    "Evidence",
    "IdempotencyRecord",
    "Kind",
    "NotApplicable",
    "PhotoKey",
    "PhotoReview",
    "ReferencePhoto",
    "RetakeRequest",
    "ReviewDecision",
    "SitePhotoDay",
    "SiteRollup",
    "Standard",
    "StandardVersion",
    "SubmittedBy",
    "TouchPoint",
    "VersionStatus",
]
