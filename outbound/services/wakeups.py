"""Waking a worker once a transaction has committed what it must send.

Publishing a task costs ~0.3 ms of CPU, more than the rest of the outbox, so a busy process does not publish
one per transaction: :func:`wake` asks a background thread, which publishes at once when idle and then at most
once per ``WAKE_INTERVAL`` (a task sends everything due when it starts, and schedules a follow-up for what
comes due while it runs). With tasks run eagerly (the tests) it publishes in the caller's thread.

A wake-up that is lost (a broker down, a process killed) costs latency, never a message: the beat's sweeps
(``outbound.tasks``, every few seconds) send whatever is due.
"""

import logging
import threading
import time

from celery import current_app
from django.db import transaction
from django.utils.module_loading import import_string

from voucherhub.jobs import SEND_RETRY_POLICY

log = logging.getLogger(__name__)

DELIVER_TASK = "outbound.tasks.deliver_due"
SEND_TASK = "outbound.tasks.send_messages"
WAKE_INTERVAL = 0.1  # seconds between two wake-ups of one kind from one process, at most


def wake_after_commit(task: str = DELIVER_TASK) -> None:
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: wake(task))
    else:
        wake(task)


def wake(task: str = DELIVER_TASK) -> None:
    if current_app.conf.task_always_eager:
        publish(task)
    else:
        _waker.request(task)


def publish(task: str) -> None:
    try:
        import_string(task).apply_async(retry=True, retry_policy=SEND_RETRY_POLICY)
    except Exception:
        log.exception("could not wake a worker for %s; the next sweep sends what is due", task)


class _Waker:
    """One daemon thread per process publishing the wake-ups asked for, each kind at most every interval."""

    def __init__(self):
        self.lock = threading.Lock()
        self.asked = threading.Event()
        self.pending: set[str] = set()
        self.thread: threading.Thread | None = None

    def request(self, task: str) -> None:
        with self.lock:
            self.pending.add(task)
            if self.thread is None or not self.thread.is_alive():  # none yet, or this is a forked child
                self.thread = threading.Thread(target=self._run, name="outbound-waker", daemon=True)
                self.thread.start()
        self.asked.set()

    def _run(self) -> None:
        while True:
            self.asked.wait()
            with self.lock:
                self.asked.clear()
                tasks, self.pending = self.pending, set()
            for task in tasks:
                publish(task)
            time.sleep(WAKE_INTERVAL)  # what is asked meanwhile goes out together, next


_waker = _Waker()
