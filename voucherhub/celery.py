"""The Celery application. Broker and options come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

from .broker import SCHEME

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voucherhub.settings")
# A worker starts no Django system checks: they import the URLconf, so every view and the whole API, which a
# worker never serves (20 MB of every worker process, 0.7 s of its start). They run where they matter: the
# release step (manage.py check --deploy, docs/deploy.md), manage.py runserver and migrate, the tests.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

# The embedded broker: kombu's filesystem transport with whole messages (voucherhub.broker).
TRANSPORT_ALIASES.setdefault(SCHEME, "voucherhub.broker:Transport")

app = Celery("voucherhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
