import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrtech_gov.settings")

app = Celery("hrtech_gov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
