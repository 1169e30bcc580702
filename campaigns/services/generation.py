"""Background voucher generation: more than MAX_VOUCHERS_PER_CALL codes, in batches, by a Celery job."""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from stacking.models import Category
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import (
    UNFINISHED_GENERATION,
    Campaign,
    CreationStatus,
    GenerationStatus,
    Voucher,
    VoucherGenerationJob,
)
from .codes import (
    check_code_space,
    generate_codes,
    template_code_config,
)
from .events import campaign_event
from .vouchers import (
    campaign_voucher_builder,
    campaign_voucher_kind,
    check_dates,
    insert_vouchers,
)

log = logging.getLogger(__name__)

MAX_VOUCHERS_PER_CALL = 1000  # generated in the request's transaction; more go to a background job
MAX_VOUCHERS_PER_JOB = 1_000_000  # the ceiling of one call (API.md section 7: VH)


# Life of a job: ``schedule_generation`` saves it SCHEDULED (the campaign IN_PROGRESS) and enqueues
# campaigns.tasks.generate_vouchers once the transaction commits. The task claims it (IN_PROGRESS) and
# inserts GENERATION_BATCH vouchers per transaction; each batch locks the campaign, then the job row,
# re-reads ``done`` under the lock and moves it with a conditional UPDATE in the same transaction as the
# inserts. So ``done`` is always what exists, and a redelivered task (acks_late) continues from it once
# the dead worker's heartbeat is stale (while it is fresh a worker is on the job: a duplicate message then
# does nothing and costs no attempt); two attempts at once take turns and never exceed ``total`` (the
# database refuses that too). The last batch
# marks the job DONE and settles the campaign's status; an error marks it FAILED with the reason.
# Faults, as exports: if the broker is down the job stays SCHEDULED and ``reap_generation_jobs`` (beat)
# enqueues it again; a job whose heartbeat went stale (worker killed) goes back to SCHEDULED and is
# enqueued again, up to GENERATION_MAX_ATTEMPTS, then FAILED.

GENERATION_BATCH = 1000
GENERATION_MAX_ATTEMPTS = 5
GENERATION_STALE_AFTER = timedelta(minutes=2)  # no batch for this long: the worker is gone
GENERATION_REQUEUE_AFTER = timedelta(minutes=2)  # SCHEDULED and not picked up for this long: enqueue again


class GenerationStopped(Exception):
    """The job cannot go on (campaign deleted, code space exhausted...); the message says why."""


def schedule_generation(
    campaign: Campaign, count: int, *, caller: Caller, params: dict | None = None
) -> VoucherGenerationJob:
    """Within the caller's transaction (the campaign locked or just created): a SCHEDULED job for ``count``
    vouchers, the campaign IN_PROGRESS, and the task enqueued after the commit. ``params`` are what the new
    vouchers change from the template, JSON-ready (see ``_job_builder``). Refuses (400, nothing written)
    a count above MAX_VOUCHERS_PER_JOB or a code config without room for it.
    Events: ``campaign.vouchers.generation_scheduled``."""
    if count > MAX_VOUCHERS_PER_JOB:
        raise DomainError(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"At most {MAX_VOUCHERS_PER_JOB} vouchers are generated per call",
        )
    params = params or {}
    check_code_space(params.get("code_config") or template_code_config(campaign), count)
    job = VoucherGenerationJob.objects.create(
        campaign=campaign,
        total=count,
        params=params,
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        request_log_id=caller.request_id or "",
        user_id=caller.user_id,
    )
    campaign.creation_status = CreationStatus.IN_PROGRESS
    Campaign.objects.filter(pk=campaign.pk).update(creation_status=campaign.creation_status, updated_at=timezone.now())
    campaign_event("campaign.vouchers.generation_scheduled", campaign, caller, count=count, async_action_id=job.id)
    transaction.on_commit(lambda: enqueue_generation(job.pk))
    return job


def schedule_campaign_vouchers(
    *,
    caller: Caller,
    ref: str,
    count: int,
    code: str | None = None,
    code_config: dict | None = None,
    category: str | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
) -> VoucherGenerationJob:
    """``add_campaign_vouchers`` for more than MAX_VOUCHERS_PER_CALL vouchers: checks the same things
    (400 / 404, nothing written), then schedules a job whose id is the call's ``async_action_id``."""
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        campaign_voucher_kind(campaign)
        if code is not None:
            raise DomainError("invalid_payload", "Invalid payload", "A code can be given for one voucher only")
        check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
        cat = queries.category_of(category, None)
        params = {
            "code_config": code_config or None,
            "category_id": cat.pk if cat else None,
            "metadata": metadata or None,
            "quantity": redemption_quantity,
            "start_date": start_date.isoformat() if start_date else None,
            "expiration_date": expiration_date.isoformat() if expiration_date else None,
        }
        return schedule_generation(
            campaign, count, caller=caller, params={k: v for k, v in params.items() if v is not None}
        )


def enqueue_generation(job_id: str) -> bool:
    """Hand the job to the broker; if it is unreachable, log it and leave the job SCHEDULED for the reaper
    (the caller's request still succeeds). Returns whether the message was sent."""
    from ..tasks import generate_vouchers

    VoucherGenerationJob.objects.filter(pk=job_id, status=GenerationStatus.SCHEDULED).update(enqueued_at=timezone.now())
    try:
        generate_vouchers.apply_async(
            args=[job_id], retry=True, retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
        )
    except Exception:  # kombu's OperationalError, redis errors, OSError... all mean "not sent"
        log.warning("generation job %s could not be enqueued; it stays SCHEDULED for the reaper", job_id, exc_info=True)
        return False
    return True


def _job_caller(job: VoucherGenerationJob) -> Caller:
    """Who asked for the job, for the events written when it ends (linked to the request's log)."""
    return Caller(
        job.channel_type or "USER",
        job.channel_id or "generation",
        request_id=job.request_log_id or None,
        user=job.user,
    )


def _claim_job(job_id: str) -> VoucherGenerationJob | None:
    """SCHEDULED, or IN_PROGRESS with a stale heartbeat (a redelivery after its worker died) -> IN_PROGRESS
    for this attempt; None when finished, gone, or running elsewhere (a duplicate message: it neither
    counts as an attempt nor waits for the running worker). A job claimed more than
    GENERATION_MAX_ATTEMPTS times (its worker keeps dying) is FAILED instead."""
    now = timezone.now()
    claimable = Q(status=GenerationStatus.SCHEDULED) | Q(
        status=GenerationStatus.IN_PROGRESS, heartbeat_at__lt=now - GENERATION_STALE_AFTER
    )
    claimed = VoucherGenerationJob.objects.filter(claimable, pk=job_id).update(
        status=GenerationStatus.IN_PROGRESS, attempts=F("attempts") + 1, heartbeat_at=now
    )
    if not claimed:
        return None
    job = VoucherGenerationJob.objects.select_related("user").get(pk=job_id)
    if job.started_at is None:
        VoucherGenerationJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    if job.attempts > GENERATION_MAX_ATTEMPTS:
        fail_generation(job_id, message=f"The worker generating these vouchers stopped {job.attempts - 1} times")
        return None
    return job


def run_generation_job(job_id: str) -> VoucherGenerationJob | None:
    """The task's body: generate the missing vouchers of a job, batch by batch, then mark it DONE.

    Safe to run twice, at once or one after the other: every batch is decided under the job's row lock.
    A database outage (OperationalError) propagates, leaving the job to the reaper; any other error marks
    the job FAILED with the reason (logged), keeping the vouchers already made.
    """
    job = _claim_job(job_id)
    if job is None:
        log.info("generation job %s is finished or gone; nothing to do", job_id)
        return None
    try:
        while _generation_batch(job.pk, job.campaign_id):
            pass
    except OperationalError:
        raise
    except Exception as exc:
        log.exception("generation job %s failed", job_id)
        fail_generation(job_id, message=_failure_message(exc))
    return VoucherGenerationJob.objects.filter(pk=job_id).first()


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.details or exc.message
    if isinstance(exc, GenerationStopped):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:1000]


def _generation_batch(job_id: str, campaign_id: str) -> bool:
    """One transaction: up to GENERATION_BATCH vouchers and the job's counter; True while more are due.
    Locks the campaign, then the job (the order every generation path uses)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
        job = VoucherGenerationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != GenerationStatus.IN_PROGRESS:
            return False  # finished, failed, or handed back to the reaper meanwhile
        if campaign is None or campaign.deleted_at is not None:
            raise GenerationStopped(f"Campaign {campaign_id} was deleted before all vouchers were generated")
        wanted = min(GENERATION_BATCH, job.total - job.done)
        if wanted > 0:
            _insert_generated(campaign, job.params, wanted)
            # Conditional on the count read under the lock: on SQLite, which has no row locks, a parallel
            # attempt that got here first makes this 0 and the whole batch is rolled back.
            moved = VoucherGenerationJob.objects.filter(
                pk=job.pk, status=GenerationStatus.IN_PROGRESS, done=job.done
            ).update(done=F("done") + wanted, heartbeat_at=timezone.now())
            if not moved:
                transaction.set_rollback(True)
                return True
            job.done += wanted
        if job.done < job.total:
            return True
        job.status = GenerationStatus.DONE
        job.finished_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "heartbeat_at"])
        _settle_campaign_status(campaign)
        campaign_event(
            "campaign.vouchers.generated", campaign, _job_caller(job), count=job.total, async_action_id=job.id
        )
        return False


def _job_builder(campaign: Campaign, params: dict):
    """``_voucher_builder`` from a job's stored params (the template is read as it is at each batch, so a
    campaign updated meanwhile gives its new values to the vouchers still to come)."""
    category = Category.objects.filter(pk=params["category_id"]).first() if params.get("category_id") else None
    start, end = params.get("start_date"), params.get("expiration_date")
    return campaign_voucher_builder(
        campaign,
        category=category,
        metadata=params.get("metadata"),
        quantity=params.get("quantity"),
        start_date=datetime.fromisoformat(start) if start else None,
        expiration_date=datetime.fromisoformat(end) if end else None,
    )


def _insert_generated(campaign: Campaign, params: dict, count: int, tries: int = 5) -> list[Voucher]:
    """``count`` new vouchers; a code taken between drawing and inserting (another generation, a voucher
    created by hand) undoes only this try's savepoint, and the batch is drawn again."""
    build = _job_builder(campaign, params)
    config = params.get("code_config") or template_code_config(campaign)
    for _ in range(tries):
        codes = generate_codes(config, count)
        vouchers = [build(code) for code in codes]
        try:
            insert_vouchers(vouchers)
        except IntegrityError:
            if not Voucher.objects.filter(code__in=codes).exists():
                raise  # another constraint: a bug, not a collision
            continue
        return vouchers
    raise GenerationStopped(f"Codes kept colliding with existing ones after {tries} tries; widen the code config")


def _settle_campaign_status(campaign: Campaign) -> None:
    """IN_PROGRESS while a job is unfinished, else FAILED if the latest job failed, else DONE."""
    jobs = VoucherGenerationJob.objects.filter(campaign=campaign)
    if jobs.filter(status__in=UNFINISHED_GENERATION).exists():
        status = CreationStatus.IN_PROGRESS
    elif jobs.order_by("-created_at").values_list("status", flat=True).first() == GenerationStatus.FAILED:
        status = CreationStatus.FAILED
    else:
        status = CreationStatus.DONE
    if campaign.creation_status != status:
        campaign.creation_status = status
        Campaign.objects.filter(pk=campaign.pk).update(creation_status=status, updated_at=timezone.now())


def fail_generation(job_id: str, *, message: str, unless_moved_since=None) -> VoucherGenerationJob | None:
    """Mark an unfinished job FAILED with ``message`` (logged), once; the vouchers made so far stay. With
    ``unless_moved_since``: only if its heartbeat has not moved from that time (checked under its lock).
    Events: ``campaign.vouchers.generation_failed``."""
    campaign_id = VoucherGenerationJob.objects.filter(pk=job_id).values_list("campaign_id", flat=True).first()
    if campaign_id is None:
        return None
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
        job = (
            VoucherGenerationJob.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=job_id)
            .first()
        )
        if campaign is None or job is None or job.status not in UNFINISHED_GENERATION:
            return None
        if unless_moved_since is not None and job.heartbeat_at != unless_moved_since:
            return None
        job.status = GenerationStatus.FAILED
        job.error = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        _settle_campaign_status(campaign)
        campaign_event(
            "campaign.vouchers.generation_failed",
            campaign,
            _job_caller(job),
            async_action_id=job.id,
            count=job.total,
            generated=job.done,
            error=message,
        )
    log.error(
        "generation job %s of campaign %s failed after %s of %s: %s", job_id, campaign_id, job.done, job.total, message
    )
    return job


def reap_generation_jobs(*, now=None) -> dict[str, int]:
    """Periodic (beat): hand out again jobs whose worker died (stale heartbeat), up to
    GENERATION_MAX_ATTEMPTS, then FAILED; enqueue again SCHEDULED jobs nobody picked up (broker down).
    Safe to run twice at once: every change is a conditional UPDATE."""
    now = now or timezone.now()
    counts = {"retried": 0, "failed": 0, "requeued": 0}
    stale = VoucherGenerationJob.objects.filter(
        status=GenerationStatus.IN_PROGRESS, heartbeat_at__lt=now - GENERATION_STALE_AFTER
    )
    for job in stale.only("pk", "attempts", "heartbeat_at"):
        if job.attempts >= GENERATION_MAX_ATTEMPTS:
            message = f"The worker generating these vouchers stopped {job.attempts} times; gave up"
            # only if no batch landed since it was read as stale (its worker may have been slow, not dead)
            if fail_generation(job.pk, message=message, unless_moved_since=job.heartbeat_at):
                counts["failed"] += 1
            continue
        same = VoucherGenerationJob.objects.filter(
            pk=job.pk, status=GenerationStatus.IN_PROGRESS, attempts=job.attempts, heartbeat_at=job.heartbeat_at
        )
        if same.update(status=GenerationStatus.SCHEDULED, enqueued_at=now):
            counts["retried"] += 1
            enqueue_generation(job.pk)
    waiting = VoucherGenerationJob.objects.filter(status=GenerationStatus.SCHEDULED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - GENERATION_REQUEUE_AFTER),
        created_at__lt=now - GENERATION_REQUEUE_AFTER,
    )
    for job_id in waiting.values_list("pk", flat=True):
        counts["requeued"] += enqueue_generation(job_id)
    return counts
