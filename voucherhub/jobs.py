"""Background jobs: the one state machine behind every kind of job a Celery worker runs for a row.

A job is a row (a model built on ``BackgroundJob``) and a task that takes its id. Its kind (a ``JobKind``
subclass, one instance per kind) says which model, which task, how long a silent worker counts as dead
and how many attempts a job gets; its app does the work itself and overrides the hooks for what a
finished or failed job means to it (events, notifications, a parent row's status).

Life of a job::

    SCHEDULED --claim--> IN_PROGRESS --finish--> DONE
        ^                    |  \\
        +-----reap (stale)---+   +--fail--> the kind's failure status (FAILED, ERROR...)

- ``enqueue_on_commit``: the task is sent once the creating transaction commits, never before.
- ``send``: if the broker cannot take the message, it is logged and the job stays SCHEDULED; the
  request that created it still succeeds.
- ``claim``: SCHEDULED, or IN_PROGRESS with a stale heartbeat (its worker died and the message came
  back), becomes IN_PROGRESS for one more attempt. A duplicate message for a job whose heartbeat is
  fresh finds nothing to claim: it does nothing and costs no attempt. A job claimed more than
  ``max_attempts`` times fails instead.
- ``beat``: the running attempt's heartbeat, with any progress it reports.
- ``fail``: once, and only if the job still looks as its caller saw it (same attempt, heartbeat not
  moved since it was read as stale).
- ``reap`` (beat schedule): a stale job goes back to SCHEDULED and is sent again, up to ``max_attempts``,
  then fails; a SCHEDULED job nobody picked up (the broker was down) is sent again.

Every change is one conditional UPDATE (or runs under the job's row lock), so two workers or two reapers
at once are safe: exactly one of them moves the job, the other finds nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import UpdateQuery
from django.db.models.sql.constants import ROW_COUNT
from django.utils import timezone
from django.utils.module_loading import import_string

_log = logging.getLogger(__name__)

SCHEDULED = "SCHEDULED"
IN_PROGRESS = "IN_PROGRESS"
DONE = "DONE"
UNFINISHED = (SCHEDULED, IN_PROGRESS)

# A broker that does not answer is asked twice more, at once and half a second later, then given up on:
# the request that created the job must not hang, and the reaper sends the job again later.
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


class BackgroundJob(models.Model):
    """The fields every background job has. A concrete model declares ``status`` again with its own
    choices: SCHEDULED, IN_PROGRESS, DONE and its kind's name for a failure."""

    status = models.CharField(max_length=12, default=SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the broker.")
    started_at = models.DateTimeField(null=True, blank=True)
    # Written by the running attempt; a stale one means its worker died (the reaper hands the job out again).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class JobKind:
    """How one kind of background job runs. Subclass it, set the class attributes, override the hooks
    that matter to the app, and keep one instance at module level."""

    model: ClassVar[type[BackgroundJob]]
    label: ClassVar[str]  # in log lines: "<label> <id> could not be enqueued; ..."
    task: ClassVar[str]  # dotted path of the Celery task that runs one job; its one argument is the id
    failed_status: ClassVar[str]  # the model's status for a job that failed
    max_attempts: ClassVar[int] = 3
    # No heartbeat for this long: the worker is gone (VOUCHERHUB_JOB_STALE_SECONDS, default 2 minutes).
    stale_after: ClassVar[timedelta] = timedelta(seconds=settings.JOB_STALE_SECONDS)
    requeue_after: ClassVar[timedelta] = timedelta(minutes=2)  # SCHEDULED, not picked up: send it again
    gave_up: ClassVar[str] = "The worker stopped {attempts} times; gave up."  # the error of a job given up on
    related: ClassVar[tuple[str, ...]] = ()  # select_related when a job is read for its hooks
    reset_on_claim: ClassVar[dict[str, Any]] = {}  # fields an attempt starts from (progress=0)
    reset_on_retry: ClassVar[dict[str, Any]] = {}  # fields a stale job is handed back with
    # Errors that mean "try again later" rather than "this job cannot be done": ``run`` lets them propagate,
    # the job stays IN_PROGRESS and the reaper hands it out again once its heartbeat is stale.
    outage_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    log: ClassVar[logging.Logger] = _log  # an app gives its own, so its log lines keep their logger

    # --- Hooks --------------------------------------------------------------------------------------

    def lock_first(self, job_id: str) -> None:
        """Lock what the app's workers lock before the job row, in the same order, so that ending a job
        never deadlocks with a running attempt. Called first in ``finish``'s and ``fail``'s transaction."""

    def finished(self, job: BackgroundJob) -> None:
        """In the transaction that marked ``job`` DONE: what that means to the app (events, notices)."""

    def failed(self, job: BackgroundJob, message: str) -> None:
        """In the transaction that marked ``job`` failed: what that means to the app."""

    def failed_by(self, job: BackgroundJob, message: str, cause: BaseException) -> None:
        """``failed`` for a job whose own work raised ``cause`` (``message`` is ``message_of(cause)``); an app
        that keeps the technical cause somewhere of its own overrides it. By default: ``failed``."""
        self.failed(job, message)

    def message_of(self, exc: Exception) -> str:
        """The error a job keeps when its work raised ``exc``."""
        return f"{type(exc).__name__}: {exc}"[:1000]

    def describe(self, job: BackgroundJob) -> str:
        """The job in the log line written when it fails."""
        return f"{self.label} {job.pk}"

    # --- Sending -----------------------------------------------------------------------------------

    def enqueue_on_commit(self, job_id: str) -> None:
        """Send the job once the current transaction commits (at once outside one)."""
        transaction.on_commit(lambda: self.send(job_id))

    def send(self, job_id: str) -> bool:
        """Hand the job to the broker; if it is unreachable, log it and leave the job SCHEDULED for the
        reaper. Returns whether the message was sent."""
        self.model.objects.filter(pk=job_id, status=SCHEDULED).update(enqueued_at=timezone.now())
        try:
            import_string(self.task).apply_async(args=[job_id], retry=True, retry_policy=SEND_RETRY_POLICY)
        except Exception:  # kombu's OperationalError, redis errors, OSError... all mean "not sent"
            self.log.warning(
                "%s %s could not be enqueued; it stays SCHEDULED for the reaper", self.label, job_id, exc_info=True
            )
            return False
        return True

    # --- Running -----------------------------------------------------------------------------------

    def claim(self, job_id: str) -> BackgroundJob | None:
        """SCHEDULED, or IN_PROGRESS with a stale heartbeat, -> IN_PROGRESS for one more attempt; returns
        the job as claimed (``attempts`` is this attempt's number). None when it is finished, gone, or
        running elsewhere (a duplicate message: no attempt is counted), or when it has been claimed more
        than ``max_attempts`` times (its worker keeps dying): it is failed instead."""
        now = timezone.now()
        claimable = Q(status=SCHEDULED) | Q(status=IN_PROGRESS, heartbeat_at__lt=now - self.stale_after)
        claimed = self.model.objects.filter(claimable, pk=job_id).update(
            status=IN_PROGRESS,
            attempts=F("attempts") + 1,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), Value(now)),  # when the first attempt began
            error="",
            **self.reset_on_claim,
        )
        if not claimed:
            return None
        job = self._read(job_id)
        if job.attempts > self.max_attempts:
            self.fail(job_id, message=self.gave_up.format(attempts=job.attempts - 1), attempt=job.attempts)
            return None
        return job

    def run(self, job_id: str, work: Callable[[Any], object]) -> BackgroundJob | None:
        """A task's body: claim the job, then ``work(job)``. If the work raises, the job fails with
        ``message_of(exc)`` (this attempt's, if it still has the job), except for ``outage_errors``, which
        propagate. Returns the job as it is afterwards, or None when there was nothing to claim."""
        job = self.claim(job_id)
        if job is None:
            self.log.info("%s %s is finished, gone or running elsewhere; nothing to do", self.label, job_id)
            return None
        try:
            work(job)
        except self.outage_errors:
            raise
        except Exception as exc:
            self.log.exception("%s %s failed", self.label, job_id)
            self.fail(job_id, message=self.message_of(exc), attempt=job.attempts, cause=exc)
        return self.model.objects.filter(pk=job_id).first()

    def beat(self, job_id: str, *, attempt: int | None = None, where: Q | None = None, using=None, **changes) -> bool:
        """The heartbeat of a running job, with ``changes`` (progress...) in the same UPDATE. Only while it
        is IN_PROGRESS, and with ``attempt`` only while that attempt has it, and with ``where`` only while
        that holds. ``using``: a connection of the worker's own, when its usual one is busy (streaming a
        COPY). Returns whether the job moved."""
        jobs = self._current(job_id, IN_PROGRESS, attempt)
        if where is not None:
            jobs = jobs.filter(where)
        values = {"heartbeat_at": timezone.now(), **changes}
        if using is None:
            return bool(jobs.update(**values))
        # QuerySet.update() on a connection that is not in ``connections``: the same UpdateQuery, compiled
        # for that connection.
        query = jobs.query.chain(UpdateQuery)
        query.add_update_values(values)
        query.clear_select_clause()
        return bool(query.get_compiler(connection=using).execute_sql(ROW_COUNT))

    def finish(self, job_id: str, *, attempt: int | None = None, **fields) -> BackgroundJob | None:
        """IN_PROGRESS -> DONE with ``fields``, then the ``finished`` hook, in one transaction. With
        ``attempt``: only if that attempt still has the job. Returns the job, or None (nothing changed)."""
        now = timezone.now()
        with transaction.atomic():
            self.lock_first(job_id)
            jobs = self._current(job_id, IN_PROGRESS, attempt)
            if not jobs.update(status=DONE, finished_at=now, heartbeat_at=now, **fields):
                return None
            job = self._read(job_id)
            self.finished(job)
        return job

    def fail(
        self,
        job_id: str,
        *,
        message: str,
        attempt: int | None = None,
        unless_moved_since: datetime | None = None,
        cause: BaseException | None = None,
    ) -> BackgroundJob | None:
        """Mark an unfinished job failed with ``message``, then the ``failed`` hook, in one transaction;
        logged. Once: a job already finished or failed is left alone. With ``attempt``: only if that
        attempt still has it; with ``unless_moved_since``: only if its heartbeat is still that time (a
        slow worker that beat meanwhile is not dead). ``cause``: the exception the job's work raised, for
        ``failed_by``. Returns the job, or None (nothing changed)."""
        with transaction.atomic():
            self.lock_first(job_id)
            jobs = self._current(job_id, UNFINISHED, attempt)
            if unless_moved_since is not None:
                jobs = jobs.filter(heartbeat_at=unless_moved_since)
            if not jobs.update(status=self.failed_status, error=message, finished_at=timezone.now()):
                return None
            job = self._read(job_id)
            if cause is None:
                self.failed(job, message)
            else:
                self.failed_by(job, message, cause)
        self.log.error("%s failed: %s", self.describe(job), message)
        return job

    # --- Keeping none stuck (beat schedule) --------------------------------------------------------

    def reap(self, *, now: datetime | None = None) -> dict[str, int]:
        """Hand out again jobs whose worker died (stale heartbeat), up to ``max_attempts``, then fail them;
        send again SCHEDULED jobs nobody picked up. Returns how many were retried, failed and requeued."""
        now = now or timezone.now()
        counts = {"retried": 0, "failed": 0, "requeued": 0}
        stale = self.model.objects.filter(status=IN_PROGRESS, heartbeat_at__lt=now - self.stale_after)
        for job in stale.only("pk", "attempts", "heartbeat_at"):
            if job.attempts >= self.max_attempts:
                message = self.gave_up.format(attempts=job.attempts)
                counts["failed"] += bool(
                    self.fail(job.pk, message=message, attempt=job.attempts, unless_moved_since=job.heartbeat_at)
                )
            elif self._hand_back(job, now):
                counts["retried"] += 1
                self.send(job.pk)
        waiting = self.model.objects.filter(status=SCHEDULED, created_at__lt=now - self.requeue_after).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - self.requeue_after)
        )
        for job_id in waiting.values_list("pk", flat=True):
            counts["requeued"] += self.send(job_id)
        return counts

    def _hand_back(self, job: BackgroundJob, now: datetime) -> bool:
        """A stale job back to SCHEDULED, unless it moved since it was read (one reaper of two wins)."""
        same = self._current(job.pk, IN_PROGRESS, job.attempts).filter(heartbeat_at=job.heartbeat_at)
        return bool(same.update(status=SCHEDULED, enqueued_at=now, **self.reset_on_retry))

    # --- Reading -----------------------------------------------------------------------------------

    def _current(self, job_id: str, status: str | tuple[str, ...], attempt: int | None) -> models.QuerySet:
        """The job, if its status is ``status`` (one or several) and, given ``attempt``, that attempt's."""
        jobs = self.model.objects.filter(pk=job_id)
        jobs = jobs.filter(status__in=status) if isinstance(status, tuple) else jobs.filter(status=status)
        return jobs if attempt is None else jobs.filter(attempts=attempt)

    def _read(self, job_id: str) -> BackgroundJob:
        return self.model.objects.select_related(*self.related).get(pk=job_id)
