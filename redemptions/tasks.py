from celery import shared_task

from . import services


@shared_task(name="redemptions.tasks.purge_validations")
def purge_validations() -> int:
    """Periodic (beat): delete validations older than 30 days. Idempotent."""
    return services.purge_validations()
