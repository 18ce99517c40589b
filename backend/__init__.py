from django.contrib.auth.signals import user_logged_in

from . import idle
from .celery import app as celery_app

# An idle page session's clock starts at sign-in (backend.idle).
user_logged_in.connect(idle.signed_in, dispatch_uid="backend.idle.signed_in")

__all__ = ("celery_app",)
