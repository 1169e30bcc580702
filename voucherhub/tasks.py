from celery import shared_task
from celery.signals import worker_ready

from . import services


@shared_task(name="voucherhub.tasks.record_heartbeat")
def record_heartbeat(name: str = "worker") -> None:
    """Periodic (beat) and on-demand proof that a worker is consuming the queue."""
    services.record_heartbeat(name=name)


@worker_ready.connect
def announce_worker(sender=None, **kwargs) -> None:
    """Report as soon as a worker is up (through the queue, which proves it end to end), rather than
    leaving the home page saying "no worker" until beat's first tick."""
    record_heartbeat.delay()


@shared_task(name="voucherhub.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Periodic (beat): forget Idempotency-Keys older than 24 hours."""
    from .idempotency import purge_idempotency_keys as purge

    return purge()
