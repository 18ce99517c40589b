from .checks import CheckResult, CorrectiveAction, DailyCheck, Evidence, IdempotencyRecord
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
    "SitePhotoDay",
    "SiteRollup",
    "Standard",
    "StandardVersion",
    "SubmittedBy",
    "TouchPoint",
    "VersionStatus",
]
