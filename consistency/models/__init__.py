from .checks import CheckResult, CorrectiveAction, DailyCheck, Evidence, IdempotencyRecord
from .standard import Comparison, Criterion, Kind, Standard, StandardVersion, TouchPoint, VersionStatus
from .summary import SitePhotoDay, SiteRollup

__all__ = [
    "CheckResult",
    "Comparison",
    "CorrectiveAction",
    "Criterion",
    "DailyCheck",
    "Evidence",
    "IdempotencyRecord",
    "Kind",
    "SitePhotoDay",
    "SiteRollup",
    "Standard",
    "StandardVersion",
    "TouchPoint",
    "VersionStatus",
]
