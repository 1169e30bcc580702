from celery import shared_task

from . import services


@shared_task(name="sessions.tasks.expire_sessions")
def expire_sessions() -> int:
    """Periodic (beat): mark sessions past their ttl EXPIRED and free their locks. Idempotent."""
    return services.expire_sessions()
