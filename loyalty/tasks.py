from celery import shared_task

from .services import pending


@shared_task(name="loyalty.tasks.activate_pending_points")
def activate_pending_points() -> int:
    """Periodic (beat): pending points due today join their cards' balances. Idempotent."""
    return pending.activate_due()
