from celery import shared_task

from . import services


@shared_task(name="voucherhub.tasks.record_heartbeat")
def record_heartbeat(name: str = "worker") -> None:
    """Periodic (beat) and on-demand proof that a worker is consuming the queue."""
    services.record_heartbeat(name=name)
