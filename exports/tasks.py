"""Celery tasks of exports: thin wrappers around exports.services (ids in, nothing returned)."""

from celery import shared_task

from . import services


@shared_task(name="exports.tasks.build_export", acks_late=True, reject_on_worker_lost=True)
def build_export(export_id: str) -> None:
    """Build one export's CSV. Safe to deliver twice: only the attempt that claims it does the work."""
    services.build_export(export_id)


@shared_task(name="exports.tasks.reap_exports")
def reap_exports() -> dict:
    """Periodic (beat): retry or fail exports whose worker died; enqueue ones the broker never took."""
    return services.reap_exports()
