"""A task enqueued after commit runs in a real worker and writes its result.

The broker is the one the test settings chose: Redis when REDIS_URL is set (CI), otherwise kombu's
filesystem transport (the embedded default; voucherhub.broker).
"""

import pytest
from django.conf import settings
from django.db import transaction

from conftest import wait_for
from voucherhub.models import WorkerHeartbeat
from voucherhub.tasks import record_heartbeat

pytestmark = pytest.mark.worker


def test_task_enqueued_on_commit_runs_in_a_real_worker_and_writes_its_result(live_worker):
    expected_scheme = "redis://" if settings.REDIS_URL else "vhfs://"  # voucherhub.broker
    assert live_worker.app.conf.broker_url.startswith(expected_scheme)

    with transaction.atomic():
        transaction.on_commit(lambda: record_heartbeat.delay("round-trip"))
        # not sent yet: the message leaves only when the transaction commits
        assert not WorkerHeartbeat.objects.filter(name="round-trip").exists()

    assert wait_for(lambda: WorkerHeartbeat.objects.filter(name="round-trip").exists(), timeout=30)
    beat = WorkerHeartbeat.objects.get(name="round-trip")
    assert beat.beats == 1


def test_a_rolled_back_transaction_enqueues_nothing(live_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: record_heartbeat.delay("never"))
        raise RuntimeError("the caller's transaction fails")

    record_heartbeat.delay("after")  # a later task proves the worker was consuming all along
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(name="after").exists(), timeout=30)
    assert not WorkerHeartbeat.objects.filter(name="never").exists()
