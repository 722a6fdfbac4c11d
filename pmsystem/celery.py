"""The Celery application. Worker and beat are started as `celery -A pmsystem worker|beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmsystem.settings")

app = Celery("pmsystem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
