"""Test settings: the real settings, plus what makes the suite fast and isolated.

The broker is chosen here, not in a fixture: Celery caches its producer pool on the first
``.delay()`` (eager mode included), so switching brokers later has no effect.
Redis when REDIS_URL is set (CI), else kombu's filesystem transport in a folder of this test run.
Each pytest-xdist worker gets its own queue so one worker's Celery never eats another's tasks.
"""

import os

from .settings import *  # noqa: F403
from .settings import VAR_DIR

_xdist = os.environ.get("PYTEST_XDIST_WORKER", "main")

CELERY_TASK_ALWAYS_EAGER = True  # unit tests; the live_worker fixture switches it off
CELERY_TASK_DEFAULT_QUEUE = f"test-{_xdist}"
if not os.environ.get("REDIS_URL"):
    from .broker import folder_options

    CELERY_BROKER_URL = "vhfs://"  # voucherhub.broker
    CELERY_BROKER_TRANSPORT_OPTIONS = folder_options(VAR_DIR / "test-broker" / _xdist, polling_interval=0.05)
CELERY_BEAT_SCHEDULE = {}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
MEDIA_ROOT = VAR_DIR / "test-media" / _xdist
