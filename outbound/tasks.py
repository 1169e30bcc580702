"""Celery tasks of outbound (queue ``outbound``): thin wrappers around its services.

Each is woken after the commit of what it sends, and the beat runs both every few seconds for retries and
for anything a lost wake-up or a dead worker left behind.
"""

from celery import shared_task
from django.core.cache import cache

from .services import delivery, distributions
from .services.wakeups import DELIVER_TASK

_FOLLOW_UP = "outbound:follow-up"
FOLLOW_UP_WITHIN = 15.0  # a retry due sooner than this is sent by a follow-up task, not by the next sweep


@shared_task(name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True)
def deliver_due(follow_up: bool = False) -> int:
    """Send the webhook deliveries that are due; if a retry comes due soon, come back for it then (one
    follow-up at a time per worker process)."""
    if follow_up:
        cache.delete(_FOLLOW_UP)
    sent = delivery.deliver_due()
    soonest = delivery.soonest_retry()
    if deliver_due.request.is_eager or deliver_due.app.conf.task_always_eager:
        return sent  # run at once (tests without a worker): nothing could wait for a countdown
    if soonest is not None and soonest < FOLLOW_UP_WITHIN and cache.add(_FOLLOW_UP, 1, soonest + 5):
        deliver_due.apply_async(kwargs={"follow_up": True}, countdown=soonest)
    return sent


@shared_task(name="outbound.tasks.send_messages", acks_late=True, reject_on_worker_lost=True)
def send_messages() -> int:
    """Send the distributions' e-mails that are due."""
    return distributions.send_due()


@shared_task(name="outbound.tasks.purge_deliveries")
def purge_deliveries() -> int:
    """Periodic (beat): the delivery log keeps finished deliveries WEBHOOK_LOG_DAYS days."""
    return delivery.purge_deliveries()
