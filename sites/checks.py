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


@register(Tags.security, deploy=True)
def sign_in_addresses_are_the_clients(app_configs, **kwargs):
    """Lockout and throttles key on the client's address. Production expects a proxy in front (it trusts the
    proxy's X-Forwarded-Proto); with TRUSTED_PROXIES=0 the address would be the proxy's, shared by every
    client: ten failures anywhere would lock everyone out."""
    if settings.TRUSTED_PROXIES > 0:
        return []
    return [Warning("Sign-in lockout and throttles take REMOTE_ADDR as the client's address (TRUSTED_PROXIES=0): "
                    "behind a load balancer that is the balancer's, shared by every client.",
                    hint="Set TRUSTED_PROXIES to the number of your own proxies in front of the server (e.g. 1), "
                         "or silence sites.W002 if clients reach the server directly.",
                    id="sites.W002")]
