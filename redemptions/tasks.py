from celery import shared_task

from .services import retention


@shared_task(name="redemptions.tasks.purge_validations")
def purge_validations() -> int:
    """Periodic (beat): delete validations older than 30 days. Idempotent."""
    return retention.purge_validations()
