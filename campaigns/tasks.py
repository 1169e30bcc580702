"""Celery tasks of campaigns: thin wrappers around campaigns.services (ids in, nothing returned)."""

from celery import shared_task

from .services import bulk, figures, generation


@shared_task(name="campaigns.tasks.generate_vouchers", acks_late=True, reject_on_worker_lost=True)
def generate_vouchers(job_id: str) -> None:
    """Generate a job's missing vouchers. Safe to deliver twice: it continues from what the database holds."""
    generation.run_generation_job(job_id)


@shared_task(name="campaigns.tasks.reap_generation_jobs")
def reap_generation_jobs() -> dict:
    """Periodic (beat): hand out again jobs whose worker died; enqueue ones the broker never took."""
    return generation.reap_generation_jobs()


@shared_task(name="campaigns.tasks.run_async_action", acks_late=True, reject_on_worker_lost=True)
def run_async_action(action_id: str) -> None:
    """Apply a bulk change of customers or vouchers. Safe to deliver twice: every change is a merge or an upsert."""
    bulk.run_async_action(action_id)


@shared_task(name="campaigns.tasks.reap_async_actions")
def reap_async_actions() -> dict:
    """Periodic (beat): hand out again actions whose worker died; enqueue ones the broker never took."""
    return bulk.reap_async_actions()


@shared_task(name="campaigns.tasks.refresh_campaign_figures")
def refresh_campaign_figures() -> int:
    """Periodic (beat): big campaigns' voucher totals for their dashboards (campaigns.services.figures)."""
    return figures.refresh_all()
