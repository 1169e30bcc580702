from celery import shared_task

from .services import expiration, figures, pending


@shared_task(name="loyalty.tasks.expire_points")
def expire_points() -> int:
    """Periodic (beat): the points of buckets due expire, in sets. Idempotent."""
    return expiration.expire_points()


@shared_task(name="loyalty.tasks.activate_pending_points")
def activate_pending_points() -> int:
    """Periodic (beat): pending points due today join their cards' balances. Idempotent."""
    return pending.activate_due()


@shared_task(name="loyalty.tasks.refresh_program_figures")
def refresh_program_figures() -> int:
    """Periodic (beat): big programs' dashboard totals (loyalty.services.figures)."""
    return figures.refresh_all()
