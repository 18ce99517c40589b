from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Who must be told what, and when: reminders by each site's cutoff, missed days, critical failures,
    corrective actions near or past their due day, the weekly digest and scheduled reports, computed by the
    database for every site at once and told through ``notify.services.publish``."""

    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"
