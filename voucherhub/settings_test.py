"""Test settings: the real settings, plus what makes the suite fast and isolated.

The broker is chosen here, not in a fixture: Celery caches its producer pool on the first
``.delay()`` (eager mode included), so switching brokers later has no effect.
Redis when REDIS_URL is set (CI), else kombu's filesystem transport in a folder of this test run.
Each pytest-xdist worker gets its own queue so one worker's Celery never eats another's tasks.
"""

import os

from kombu import Queue

from .settings import *  # noqa: F403
from .settings import VAR_DIR

_xdist = os.environ.get("PYTEST_XDIST_WORKER", "main")

# Unit tests run tasks at once; the live_worker fixture switches it off, and a worker process a test starts
# sets VOUCHERHUB_TEST_EAGER=0 (its follow-up tasks go through the broker, as in production).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("VOUCHERHUB_TEST_EAGER", "1") == "1"
CELERY_TASK_DEFAULT_QUEUE = f"test-{_xdist}"
OUTBOUND_QUEUE = f"outbound-test-{_xdist}"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(OUTBOUND_QUEUE))
CELERY_TASK_ROUTES = {"outbound.tasks.*": {"queue": OUTBOUND_QUEUE}}
# The tests' receivers listen on this machine's loopback (named, so plain http is allowed to them alone).
WEBHOOK_ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost"})
WEBHOOK_ALLOW_HTTP = False
if not os.environ.get("REDIS_URL"):
    from .broker import folder_options

    CELERY_BROKER_URL = "vhfs://"  # voucherhub.broker
    CELERY_BROKER_TRANSPORT_OPTIONS = folder_options(VAR_DIR / "test-broker" / _xdist, polling_interval=0.05)
CELERY_BEAT_SCHEDULE = {}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
MEDIA_ROOT = VAR_DIR / "test-media" / _xdist
