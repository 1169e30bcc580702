"""Twenty redemptions give twenty webhook events, none lost, although the worker sending them is killed
(SIGKILL) half way: the deliveries it had taken go back to the queue when its claim lapses, and a second
worker, woken by the beat's sweep, sends them. At least once: the receiver may see one twice, never miss one.

PostgreSQL only: the workers are separate processes, which need a database server to share with the test.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from werkzeug import Response

from auditlog.models import Event
from conftest import wait_for
from outbound.models import Delivery, DeliveryStatus
from outbound.services.webhooks import WebhookRequest, create_webhook
from outbound.tasks import deliver_due
from tests.factories import api_call, make_voucher
from voucherhub.caller import Caller

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDEMPTIONS = 20


def start_worker() -> subprocess.Popen:
    """A real worker process (no -Q: it consumes every queue) on the test's database, with short claims."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "voucherhub.settings_test",
        "VOUCHERHUB_WEBHOOK_CLAIM_SECONDS": "3",
        "VOUCHERHUB_TEST_EAGER": "0",  # a worker process sends its follow-up tasks through the broker
    }
    command = [sys.executable, "-m", "celery", "-A", "voucherhub", "worker", "--pool", "solo", "-l", "WARNING"]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def slowly(request):
    time.sleep(0.15)
    return Response("ok")


def test_twenty_redemptions_give_twenty_events_across_a_killed_worker(httpserver, celery_app_for_tests):
    httpserver.expect_request("/hooks").respond_with_handler(slowly)
    create_webhook(
        WebhookRequest(target_url=httpserver.url_for("/hooks"), events=["redemption.succeeded"]),
        caller=Caller.system("test"),
    )
    for n in range(REDEMPTIONS):
        make_voucher(code=f"KILL-{n}")
    app = celery_app_for_tests
    first = start_worker()
    second = None
    try:
        app.conf.task_always_eager = False  # the wake-ups go through the broker to the worker process
        for n in range(REDEMPTIONS):
            body = {"redeemables": [{"object": "voucher", "id": f"KILL-{n}"}], "order": {"amount": 1_000}}
            api_call("/v1/redemptions", body)
        assert wait_for(lambda: len(httpserver.log) >= 3, timeout=60)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        sent_before = len(httpserver.log)
        assert sent_before < REDEMPTIONS, "killed half way"

        second = start_worker()
        deliver_due.delay()  # the beat's sweep (every 10 s in production): the wake-ups went with the first
        assert wait_for(lambda: not Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists(), timeout=90)
    finally:
        app.conf.task_always_eager = True
        stop(first)
        if second is not None:
            stop(second)

    events = set(Event.objects.filter(type="redemption.succeeded").values_list("id", flat=True))
    received = {request.headers["webhook-id"] for request, _ in httpserver.log}
    assert len(events) == REDEMPTIONS and received == events
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == REDEMPTIONS
