from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    label = "sites"
    verbose_name = "Regions, sites and people"

    def ready(self):
        from . import checks  # noqa: F401  (registers the sign-in settings' deploy check)
