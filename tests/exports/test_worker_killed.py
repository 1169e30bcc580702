"""A Celery worker process killed (SIGKILL) in the middle of an export: nothing partial is offered, the
export is not left stuck, and the retry builds the whole file.

PostgreSQL only: the worker is a separate process, which needs a database server to share with the test.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from conftest import wait_for
from exports import services
from exports.models import Export, ExportStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 200_000


def load_redemptions(count: int) -> None:
    """Many plain redemption rows in one statement (the export has to take a moment)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO redemptions_redemption (id, created_at, result, status, failure_code, failure_message,
                related_object_type, voucher_code, discount_amount, amount, gift_amount, metadata, channel_type,
                channel_id, tracking_id, session_key)
            SELECT 'r_kill' || g, now() - g * interval '1 second', 'SUCCESS', 'SUCCEEDED', '', '', 'voucher',
                'KILL-' || g, 0, 100, 0, '{"note": "=1+1"}', 'API', 'shop', '', ''
            FROM generate_series(1, %s) AS g
            """,
            [count],
        )


def start_worker() -> subprocess.Popen:
    """A real worker process on the test's database and queue."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "voucherhub.settings_test"}
    command = [sys.executable, "-m", "celery", "-A", "voucherhub", "worker", "--pool", "solo", "-l", "WARNING"]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def test_a_worker_killed_mid_export_offers_no_partial_file_and_the_retry_finishes_it(role_user, celery_app_for_tests):
    staff = role_user("Staff")
    load_redemptions(ROWS)
    worker = start_worker()
    app = celery_app_for_tests
    try:
        app.conf.task_always_eager = False  # this request goes through the broker to that worker
        export = services.request_export(
            exported_object="redemption",
            fields=["id", "date", "metadata.note"],
            filters={},
            channel="WEBSITE",
            user=staff,
        )
        app.conf.task_always_eager = True
        assert wait_for(lambda: Export.objects.get(pk=export.pk).status != ExportStatus.SCHEDULED, timeout=60)
        assert wait_for(lambda: any(services.temp_dir().glob(f"{export.pk}-*")), timeout=30)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        app.conf.task_always_eager = True
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    export.refresh_from_db()
    assert export.status == ExportStatus.IN_PROGRESS, "killed before it finished"
    assert not export.file and export.rows is None  # nothing offered
    _, files = default_storage.listdir("exports") if default_storage.exists("exports") else ([], [])
    assert not [name for name in files if name.startswith(export.pk)]

    # Not stuck: once its heartbeat is stale the reaper retries it (here the retry runs in this process).
    later = timezone.now() + services.STALE_AFTER + timedelta(seconds=5)
    assert services.reap_exports(now=later)["retried"] == 1

    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.attempts == 2
    assert export.rows == ROWS
    with export.file.open("rb") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == ROWS + 1 and lines[1].endswith(b",'=1+1")
    for partial in services.temp_dir().glob(f"{export.pk}-*"):
        Path(partial).unlink()  # the dead attempt's temporary file (the reaper removes old ones itself)
