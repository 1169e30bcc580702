"""Background voucher generation: more than MAX_VOUCHERS_PER_CALL codes, in batches, by a Celery job."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from stacking.models import Category
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.jobs import JobKind

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
from .requests import CodeConfig
from .vouchers import (
    campaign_voucher_builder,
    campaign_voucher_kind,
    check_dates,
    insert_vouchers,
)

log = logging.getLogger(__name__)

MAX_VOUCHERS_PER_CALL = 1000  # generated in the request's transaction; more go to a background job
MAX_VOUCHERS_PER_JOB = 1_000_000  # the ceiling of one call


# Life of a job (the state machine is voucherhub.jobs, this kind of job is ``JOBS``): ``schedule_generation``
# saves it SCHEDULED (the campaign IN_PROGRESS) and enqueues campaigns.tasks.generate_vouchers once the
# transaction commits. The task claims it (IN_PROGRESS) and inserts GENERATION_BATCH vouchers per
# transaction; each batch locks the campaign, then the job row, re-reads ``done`` under the lock and moves
# it with the heartbeat in a conditional UPDATE in the same transaction as the inserts. So ``done`` is
# always what exists, and a redelivered task (acks_late) continues from it once the dead worker's heartbeat
# is stale (while it is fresh a worker is on the job: a duplicate message then does nothing and costs no
# attempt); two attempts at once take turns and never exceed ``total`` (the database refuses that too).
# The last batch marks the job DONE and settles the campaign's status; an error marks it FAILED with the
# reason. Faults, as every job: if the broker is down the job stays SCHEDULED and ``reap_generation_jobs``
# (beat) enqueues it again; a job whose heartbeat went stale (worker killed) goes back to SCHEDULED and is
# enqueued again, up to GENERATION_MAX_ATTEMPTS, then FAILED. A database outage leaves the job to the
# reaper rather than failing it.

GENERATION_BATCH = 1000
GENERATION_MAX_ATTEMPTS = 5
GENERATION_STALE_AFTER = timedelta(seconds=settings.JOB_STALE_SECONDS)  # no batch for this long: the worker is gone
GENERATION_REQUEUE_AFTER = timedelta(minutes=2)  # SCHEDULED and not picked up for this long: enqueue again


class GenerationStopped(Exception):
    """The job cannot go on (campaign deleted, code space exhausted...); the message says why."""


def schedule_generation(
    campaign: Campaign, count: int, *, caller: Caller, params: dict | None = None
) -> VoucherGenerationJob:
    """Within the caller's transaction (the campaign locked or just created): a SCHEDULED job for ``count``
    vouchers, the campaign IN_PROGRESS, and the task enqueued after the commit. ``params`` are what the new
    vouchers change from the template, JSON-ready (see ``_job_builder``). Refuses (a DomainError, nothing written)
    a count above MAX_VOUCHERS_PER_JOB or a code config without room for it.
    Events: ``campaign.vouchers.generation_scheduled``."""
    if count > MAX_VOUCHERS_PER_JOB:
        raise DomainError(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"At most {MAX_VOUCHERS_PER_JOB} vouchers are generated per call",
        )
    params = params or {}
    check_code_space(CodeConfig.from_stored(params.get("code_config")) or template_code_config(campaign), count)
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
    JOBS.enqueue_on_commit(job.pk)
    return job


def schedule_campaign_vouchers(
    *,
    caller: Caller,
    ref: str,
    count: int,
    code: str | None = None,
    code_config: CodeConfig | None = None,
    category: str | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
) -> VoucherGenerationJob:
    """``add_campaign_vouchers`` for more than MAX_VOUCHERS_PER_CALL vouchers: checks the same things
    (the same DomainErrors, nothing written), then schedules a job whose id is the call's ``async_action_id``."""
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        campaign_voucher_kind(campaign)
        if code is not None:
            raise DomainError("invalid_payload", "Invalid payload", "A code can be given for one voucher only")
        check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
        cat = queries.category_of(category, None)
        params = {
            "code_config": code_config.stored() if code_config else None,
            "category_id": cat.pk if cat else None,
            "metadata": metadata or None,
            "quantity": redemption_quantity,
            "start_date": start_date.isoformat() if start_date else None,
            "expiration_date": expiration_date.isoformat() if expiration_date else None,
        }
        return schedule_generation(
            campaign, count, caller=caller, params={k: v for k, v in params.items() if v is not None}
        )


class GenerationJobs(JobKind):
    """Voucher generation as a background job: what its end means to the campaign."""

    model = VoucherGenerationJob
    label = "generation job"
    task = "campaigns.tasks.generate_vouchers"
    failed_status = GenerationStatus.FAILED
    max_attempts = GENERATION_MAX_ATTEMPTS
    stale_after = GENERATION_STALE_AFTER
    requeue_after = GENERATION_REQUEUE_AFTER
    gave_up = "The worker generating these vouchers stopped {attempts} times; gave up"
    related = ("user",)
    outage_errors = (OperationalError,)  # the database is away: the reaper retries once it is back
    log = log

    def lock_first(self, job_id: str) -> None:
        """The campaign before the job, as every batch locks them."""
        campaign_id = VoucherGenerationJob.objects.filter(pk=job_id).values_list("campaign_id", flat=True).first()
        if campaign_id is not None:
            Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()

    def finished(self, job: VoucherGenerationJob) -> None:
        campaign = _settle_campaign_status(job.campaign_id)
        campaign_event(
            "campaign.vouchers.generated", campaign, _job_caller(job), count=job.total, async_action_id=job.id
        )

    def failed(self, job: VoucherGenerationJob, message: str) -> None:
        campaign = _settle_campaign_status(job.campaign_id)
        campaign_event(
            "campaign.vouchers.generation_failed",
            campaign,
            _job_caller(job),
            async_action_id=job.id,
            count=job.total,
            generated=job.done,
            error=message,
        )

    def message_of(self, exc: Exception) -> str:
        if isinstance(exc, DomainError):
            return exc.details or exc.message
        if isinstance(exc, GenerationStopped):
            return str(exc)
        return super().message_of(exc)

    def describe(self, job: VoucherGenerationJob) -> str:
        return f"generation job {job.pk} of campaign {job.campaign_id} ({job.done} of {job.total} made)"


JOBS = GenerationJobs()


def _job_caller(job: VoucherGenerationJob) -> Caller:
    """Who asked for the job, for the events written when it ends (linked to the request's log)."""
    return Caller(
        job.channel_type or "USER",
        job.channel_id or "generation",
        request_id=job.request_log_id or None,
        user=job.user,
    )


def run_generation_job(job_id: str) -> VoucherGenerationJob | None:
    """The task's body: claim the job, generate its missing vouchers batch by batch, then mark it DONE.

    Safe to run twice, at once or one after the other: every batch is decided under the job's row lock.
    A database outage (OperationalError) propagates, leaving the job to the reaper; any other error marks
    the job FAILED with the reason (logged), keeping the vouchers already made.
    """
    return JOBS.run(job_id, _generate)


def _generate(job: VoucherGenerationJob) -> None:
    while _generation_batch(job.pk, job.campaign_id):
        pass


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
            # attempt that got here first makes this fail and the whole batch is rolled back.
            if not JOBS.beat(job.pk, where=Q(done=job.done), done=F("done") + wanted):
                transaction.set_rollback(True)
                return True
            job.done += wanted
        if job.done < job.total:
            return True
        JOBS.finish(job.pk)  # the campaign's status and ``campaign.vouchers.generated`` (GenerationJobs.finished)
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
    config = CodeConfig.from_stored(params.get("code_config")) or template_code_config(campaign)
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


def _settle_campaign_status(campaign_id: str) -> Campaign:
    """IN_PROGRESS while a job is unfinished, else FAILED if the latest job failed, else DONE. Returns the
    campaign as settled."""
    campaign = Campaign.objects.get(pk=campaign_id)
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
    return campaign


def fail_generation(
    job_id: str, *, message: str, unless_moved_since: datetime | None = None
) -> VoucherGenerationJob | None:
    """Mark an unfinished job FAILED with ``message`` (logged), once; the vouchers made so far stay. With
    ``unless_moved_since``: only if its heartbeat has not moved from that time. Locks the campaign, then
    the job. Events: ``campaign.vouchers.generation_failed``."""
    return JOBS.fail(job_id, message=message, unless_moved_since=unless_moved_since)


def reap_generation_jobs(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic (beat): hand out again jobs whose worker died (stale heartbeat), up to
    GENERATION_MAX_ATTEMPTS, then FAILED; enqueue again SCHEDULED jobs nobody picked up (broker down).
    Safe to run twice at once: every change is a conditional UPDATE."""
    return JOBS.reap(now=now)
