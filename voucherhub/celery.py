"""The Celery application. Broker and options come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

from .broker import SCHEME

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voucherhub.settings")

# The embedded broker: kombu's filesystem transport with whole messages (voucherhub.broker).
TRANSPORT_ALIASES.setdefault(SCHEME, "voucherhub.broker:Transport")

app = Celery("voucherhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
