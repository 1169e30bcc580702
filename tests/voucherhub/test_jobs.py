"""The background-job base (voucherhub.jobs) by itself: sent only after commit, a broker that is down,
claims that race, duplicate messages, a worker that dies, the reaper retrying then giving up, and a late
attempt that may no longer touch the job.

A probe kind of job runs on the Export table (any model built on BackgroundJob would do) with hooks that
only record what they were told, so these tests see the base and nothing of the exports app. Tasks run
eagerly where they are sent unless a test starts a real worker.
"""

import logging
import threading
from datetime import timedelta

import pytest
from celery import shared_task
from celery.signals import task_postrun
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from exports.models import Export, ExportStatus
from voucherhub.jobs import DONE, IN_PROGRESS, SCHEDULED, JobKind

LATER = timedelta(minutes=3)  # past both the stale-heartbeat and the requeue delays


class ProbeJobs(JobKind):
    model = Export
    label = "probe job"
    task = "tests.voucherhub.test_jobs.run_probe"
    failed_status = ExportStatus.ERROR
    max_attempts = 3
    outage_errors = (OperationalError,)

    def __init__(self):
        self.ended: list[tuple[str, str, int]] = []  # (hook, job id, attempt) for each hook call
        self.worked: list[int] = []  # the attempt number of each run of the work
        self.work = self.finish_it

    def finish_it(self, job) -> None:
        self.worked.append(job.attempts)
        self.finish(job.pk, attempt=job.attempts)

    def finished(self, job) -> None:
        self.ended.append(("finished", job.pk, job.attempts))

    def failed(self, job, message: str) -> None:
        self.ended.append(("failed", job.pk, job.attempts))


PROBE = ProbeJobs()


@shared_task(name="tests.voucherhub.test_jobs.run_probe")
def run_probe(job_id: str) -> None:
    PROBE.run(job_id, PROBE.work)


@pytest.fixture
def probe():
    PROBE.ended.clear()
    PROBE.worked.clear()
    PROBE.work = PROBE.finish_it
    yield PROBE
    PROBE.work = PROBE.finish_it


def new_job(**fields) -> Export:
    return Export.objects.create(parameters={"fields": ["id"], "filters": {}}, **fields)


def stale_job(attempts: int) -> Export:
    """A job whose worker died: IN_PROGRESS, its heartbeat long gone."""
    then = timezone.now() - LATER
    return new_job(status=IN_PROGRESS, attempts=attempts, started_at=then, heartbeat_at=then)


def state(job: Export) -> tuple[str, int]:
    job.refresh_from_db()
    return job.status, job.attempts


def work_that_dies(job) -> None:
    """The worker is killed after claiming: nothing more happens, the heartbeat goes stale."""
    PROBE.worked.append(job.attempts)


def at_once(count: int, call) -> list:
    """``call()`` in ``count`` threads released together (each its own database connection)."""
    start = threading.Barrier(count)
    results, errors = [], []

    def one():
        try:
            start.wait()
            results.append(call())
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(results) == count
    return results


# --- Sending -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_job_is_sent_when_its_transaction_commits_and_never_if_it_rolls_back(probe):
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = new_job()
        probe.enqueue_on_commit(lost.pk)
        raise RuntimeError("the request fails")
    assert not Export.objects.filter(pk=lost.pk).exists() and probe.worked == []

    with transaction.atomic():
        job = new_job()
        probe.enqueue_on_commit(job.pk)
        assert probe.worked == []  # not before the commit: the worker could not see the row yet
    assert state(job) == (DONE, 1)
    assert probe.ended == [("finished", job.pk, 1)]
    job.refresh_from_db()
    assert job.enqueued_at <= job.started_at <= job.finished_at


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_job_stays_scheduled_and_the_reaper_sends_it_when_it_is_back(
    probe, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_probe, "apply_async", refuse)
    with transaction.atomic():
        job = new_job()
        probe.enqueue_on_commit(job.pk)  # the caller's transaction commits all the same
    job.refresh_from_db()
    assert job.status == SCHEDULED and job.enqueued_at is not None
    assert f"probe job {job.pk} could not be enqueued; it stays SCHEDULED for the reaper" in caplog.text

    assert probe.reap() == {"retried": 0, "failed": 0, "requeued": 0}  # just sent: not waiting long yet
    assert probe.reap(now=timezone.now() + LATER) == {"retried": 0, "failed": 0, "requeued": 0}  # still down
    assert state(job) == (SCHEDULED, 0)

    monkeypatch.undo()  # the broker is back
    assert probe.reap(now=timezone.now() + LATER) == {"retried": 0, "failed": 0, "requeued": 1}
    assert state(job) == (DONE, 1) and probe.ended == [("finished", job.pk, 1)]


@pytest.fixture
def probe_ran():
    """Set once a run of the probe task has returned (its transactions committed). Tests wait on this
    rather than poll the table: SQLite's shared in-memory test database refuses a read while the
    worker's thread writes."""
    ran = threading.Event()

    def finished(sender=None, **kwargs):
        if sender is not None and sender.name == run_probe.name:
            ran.set()

    task_postrun.connect(finished, weak=False)
    yield ran
    task_postrun.disconnect(finished)


@pytest.mark.worker
def test_a_job_sent_after_commit_is_run_by_a_real_worker(probe, probe_ran, live_worker):
    with transaction.atomic():
        job = new_job()
        probe.enqueue_on_commit(job.pk)
    assert probe_ran.wait(timeout=30)
    assert state(job) == (DONE, 1) and probe.ended == [("finished", job.pk, 1)]


# --- Claiming ------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempts_before", [0, 1], ids=["scheduled", "stale"])
def test_workers_claiming_one_job_at_once_only_one_gets_it(probe, attempts_before):
    job = new_job() if attempts_before == 0 else stale_job(attempts=attempts_before)

    claims = at_once(4, lambda: probe.claim(job.pk))

    assert len([claim for claim in claims if claim is not None]) == 1
    assert state(job) == (IN_PROGRESS, attempts_before + 1)


@pytest.mark.django_db
def test_a_duplicate_message_for_a_running_job_does_nothing_and_costs_no_attempt(probe, caplog):
    job = new_job()
    probe.work = work_that_dies  # the first delivery is still working on it
    run_probe(job.pk)
    with caplog.at_level(logging.INFO, logger="voucherhub.jobs"):
        for _ in range(probe.max_attempts + 1):
            run_probe(job.pk)  # duplicates while its heartbeat is fresh
    assert state(job) == (IN_PROGRESS, 1)
    assert probe.worked == [1] and probe.ended == []
    assert f"probe job {job.pk} is finished, gone or running elsewhere; nothing to do" in caplog.text


@pytest.mark.django_db
def test_a_message_for_a_job_whose_worker_died_takes_it_over_as_the_next_attempt(probe):
    job = stale_job(attempts=1)
    run_probe(job.pk)
    assert state(job) == (DONE, 2) and probe.worked == [2]
    run_probe(job.pk)  # a late duplicate of a finished job
    assert state(job) == (DONE, 2) and probe.ended == [("finished", job.pk, 2)]


@pytest.mark.django_db
def test_a_job_claimed_more_than_its_attempts_fails_with_the_reason_instead_of_running(probe, caplog):
    job = stale_job(attempts=probe.max_attempts)
    run_probe(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.ERROR, "The worker stopped 3 times; gave up.")
    assert probe.worked == [] and probe.ended == [("failed", job.pk, 4)]
    assert f"probe job {job.pk} failed: The worker stopped 3 times" in caplog.text


# --- Failing, finishing, beating ----------------------------------------------------------------------


@pytest.mark.django_db
def test_work_that_raises_fails_the_job_with_the_reason_and_an_outage_leaves_it_to_the_reaper(probe):
    def broken(job):
        raise ValueError("no such column")

    def outage(job):
        raise OperationalError("server closed the connection unexpectedly")

    failing, waiting = new_job(), new_job()
    probe.work = broken
    run_probe(failing.pk)
    failing.refresh_from_db()
    assert (failing.status, failing.error) == (ExportStatus.ERROR, "ValueError: no such column")

    probe.work = outage
    with pytest.raises(OperationalError):
        run_probe(waiting.pk)
    assert state(waiting) == (IN_PROGRESS, 1)  # the reaper hands it out once its heartbeat is stale
    assert probe.ended == [("failed", failing.pk, 1)]


@pytest.mark.django_db
def test_an_attempt_that_lost_its_job_can_neither_beat_nor_finish_nor_fail_it(probe):
    job = new_job()
    probe.work = work_that_dies
    run_probe(job.pk)
    assert probe.beat(job.pk, attempt=1, progress=10)
    Export.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LATER)
    run_probe(job.pk)  # attempt 2 takes it over; attempt 1 was only slow, and comes back
    assert state(job) == (IN_PROGRESS, 2)

    assert not probe.beat(job.pk, attempt=1, progress=50)
    assert probe.finish(job.pk, attempt=1) is None
    assert probe.fail(job.pk, message="late", attempt=1) is None
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (IN_PROGRESS, 10, "")

    assert probe.finish(job.pk, attempt=2, progress=100) is not None
    assert probe.fail(job.pk, message="after the end") is None  # once finished, for good
    assert state(job) == (DONE, 2) and probe.ended == [("finished", job.pk, 2)]


@pytest.mark.django_db
def test_a_job_is_not_failed_as_dead_if_its_heartbeat_moved_since_it_was_read(probe):
    job = stale_job(attempts=probe.max_attempts)
    seen = job.heartbeat_at
    assert probe.beat(job.pk)  # its slow worker reports in before the reaper acts
    assert probe.fail(job.pk, message="gave up", unless_moved_since=seen) is None
    assert state(job) == (IN_PROGRESS, probe.max_attempts) and probe.ended == []
    assert probe.reap() == {"retried": 0, "failed": 0, "requeued": 0}


# --- Reaping -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_whose_worker_keeps_dying_is_retried_then_failed_once_with_the_reason(probe):
    job = new_job()
    probe.work = work_that_dies
    run_probe(job.pk)
    assert probe.reap() == {"retried": 0, "failed": 0, "requeued": 0}  # its heartbeat is fresh: left alone

    counts = [probe.reap(now=timezone.now() + LATER * n) for n in (1, 2, 3)]

    # attempts 1 and 2 died and were handed out again (the message runs here, and dies); 3 was the last
    assert counts == [{"retried": 1, "failed": 0, "requeued": 0}] * 2 + [{"retried": 0, "failed": 1, "requeued": 0}]
    assert probe.worked == [1, 2, 3]
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ExportStatus.ERROR, 3)
    assert job.error == "The worker stopped 3 times; gave up."
    assert probe.reap(now=timezone.now() + LATER * 4) == {"retried": 0, "failed": 0, "requeued": 0}
    assert [end for end in probe.ended if end[1] == job.pk] == [("failed", job.pk, 3)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("attempts", "moved"), [(1, "retried"), (3, "failed")])
def test_two_reapers_at_once_move_a_stale_job_once(probe, attempts, moved):
    job = stale_job(attempts=attempts)
    probe.work = work_that_dies

    counts = at_once(2, probe.reap)

    assert sum(count[moved] for count in counts) == 1
    assert sum(sum(count.values()) for count in counts) == 1
    if moved == "retried":
        assert state(job) == (IN_PROGRESS, 2) and probe.worked == [2]
    else:
        assert state(job) == (ExportStatus.ERROR, 3) and probe.ended == [("failed", job.pk, 3)]
