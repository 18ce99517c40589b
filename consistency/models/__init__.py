from .checks import CheckResult, CorrectiveAction, DailyCheck, Evidence, IdempotencyRecord
from .summary import CriterionRollup, SiteRollup
from .standard import Comparison, Criterion, Kind, Standard, StandardVersion, TouchPoint, VersionStatus

__all__ = [
    "CheckResult",
    "Comparison",
    "CorrectiveAction",
    "Criterion",
    "DailyCheck",
    "Evidence",
    "IdempotencyRecord",
    "Kind",
    "Standard",
    "StandardVersion",
    "TouchPoint",
    "VersionStatus",
]
