from django.apps import AppConfig
from django.core import checks


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .checks import notify_limits, site_url_deploy

        checks.register(notify_limits, "notify")
        checks.register(site_url_deploy, "notify", deploy=True)
