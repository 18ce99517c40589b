"""The Celery app. Wiring only: tasks live in the apps, schedules in backend/schedules.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")

app = Celery("touchpoint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
