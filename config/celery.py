"""The Celery application; tasks are discovered in the installed apps."""

import os

from celery import Celery

# A worker or beat without DJANGO_SETTINGS_MODULE runs the production settings (which refuse to start
# without their secrets); the demo never runs a worker (its tasks run in-process).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("imt_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
