from django.apps import AppConfig
from django.core import checks

from .checks import pack_signing, report_limits


class ReportsConfig(AppConfig):
    name = "reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        checks.register(report_limits, "reports")
        checks.register(pack_signing, "reports")
