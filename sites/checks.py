"""System checks of the sign-in settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def sign_in_limits_are_shared(app_configs, **kwargs):
    """DRF's sign-in throttle counts in the default cache: in one process's memory, each of several server
    processes would allow the whole rate. (The lockout's counts are in the database, shared anyway.)"""
    if settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache":
        return []
    return [Warning("The sign-in throttle counts in each server process's memory.",
                    hint="Set CACHE_URL (or REDIS_URL) to a shared cache, e.g. redis://redis:6379/1.",
                    id="sites.W001")]
