"""Writing the outbox: an event's deliveries (and a published code's e-mail), in the event's own transaction.

:func:`event_written` is the audit trail's listener (``auditlog.outbox``). For an event under a webhook
name it adds one statement to the caller's transaction — an ``INSERT ... SELECT`` of one delivery per
active endpoint subscribed to that name, queued in the caller's write batch when there is one
(``voucherhub.hotsql``), so a redemption pays no extra round trip. The database decides who gets the event,
so an endpoint created a moment ago on another node is never missed.

Once the transaction commits, a worker is woken to send what was written. Whether to wake one comes from a
look at the subscribed names this process takes at most every ``SUBSCRIBED_CACHE_SECONDS``, after the
commit: a wrong guess costs latency, never an event, because the beat's sweep
(``outbound.tasks.deliver_due``) sends whatever is due.
"""

import functools
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auditlog.models import Event
from voucherhub import hotsql

from ..events import WEBHOOK_EVENTS, webhook_name
from ..models import Delivery, DeliveryStatus, Subscription, Webhook
from . import distributions
from .wakeups import wake

SUBSCRIBED_CACHE_SECONDS = 2.0

_lock = threading.Lock()
_subscribed: tuple[float, frozenset[str]] = (0.0, frozenset())


def event_written(event: Event) -> None:
    """Queue ``event``'s deliveries (and e-mails) in the current transaction; wake a worker after commit."""
    name = webhook_name(event.type, event.data)
    if name is not None:
        db = transaction.get_connection()
        at = event.occurred_at or timezone.now()
        now, until = _db_time(at, db), _db_time(at + retry_window(), db)
        hotsql.execute(_insert_deliveries_sql(), [event.id, name, now, DeliveryStatus.PENDING, now, until, name])
        _Wake.after_commit(name)
    if event.type == "publication.succeeded":
        distributions.queue_messages(event)


def statement_deliveries(events_cte: str, types: tuple[str, ...]) -> str:
    """The ``WITH`` item that queues the deliveries of the events a set-based statement writes (the audit
    trail's statement listener), and a wake-up after its commit when some endpoint wants them."""
    names = [name for name in types if name in WEBHOOK_EVENTS]
    if not names:
        return ""
    for name in names:
        _Wake.after_commit(name)
    delivery, subscription, webhook = (hotsql.table(m) for m in (Delivery, Subscription, Webhook))
    hours = float(settings.WEBHOOK_RETRY_HOURS)
    return f"""
    , {events_cte}_deliveries AS (
        INSERT INTO {delivery} (webhook_id, event_id, event_type, created_at, status, attempts, next_attempt_at,
                                retry_until, last_error)
        SELECT s.webhook_id, e."id", e."type", e."occurred_at", 'PENDING', 0, e."occurred_at",
               e."occurred_at" + interval '{hours} hours', ''
        FROM {events_cte} e JOIN {subscription} s ON s.event_type = e."type"
        JOIN {webhook} w ON w.id = s.webhook_id AND w.active
    )"""


class _Wake:
    """Run once the transaction commits: wakes a worker when an endpoint wants one of the names written.
    One per transaction (found again among the connection's commit callbacks); dropped with a rollback.
    Deciding after the commit keeps the look at the subscriptions out of the caller's transaction."""

    def __init__(self):
        self.types: set[str] = set()

    @classmethod
    def after_commit(cls, event_type: str) -> None:
        db = transaction.get_connection()
        if not db.in_atomic_block:
            if event_type in subscribed_types():
                wake()
            return
        pending = next((func for _, func, _ in db.run_on_commit if isinstance(func, cls)), None)
        if pending is None:
            pending = cls()
            transaction.on_commit(pending)
        pending.types.add(event_type)

    def __call__(self) -> None:
        if self.types & subscribed_types():
            wake()


def subscribed_types() -> frozenset[str]:
    """The names some active endpoint wants, as this process last read them (at most a few seconds old)."""
    global _subscribed
    read_at, names = _subscribed
    if time.monotonic() - read_at < SUBSCRIBED_CACHE_SECONDS:
        return names
    with _lock:
        names = frozenset(
            Subscription.objects.filter(webhook__active=True).values_list("event_type", flat=True).distinct()
        )
        _subscribed = (time.monotonic(), names)
    return names


def forget_subscriptions() -> None:
    """This process reads the subscriptions again on the next event (an endpoint was just changed here)."""
    global _subscribed
    _subscribed = (0.0, frozenset())


@functools.cache
def _insert_deliveries_sql() -> str:
    delivery, subscription, webhook = (hotsql.table(m) for m in (Delivery, Subscription, Webhook))
    return (
        f"INSERT INTO {delivery} (webhook_id, event_id, event_type, created_at, status, attempts, next_attempt_at,"
        " retry_until, last_error) SELECT s.webhook_id, %s, %s, %s, %s, 0, %s, %s, '' "
        f"FROM {subscription} s JOIN {webhook} w ON w.id = s.webhook_id WHERE s.event_type = %s AND w.active"
    )


def retry_window() -> timedelta:
    return timedelta(hours=settings.WEBHOOK_RETRY_HOURS)


def _db_time(value, db):
    """A datetime as the database takes it in hand-written SQL (SQLite keeps naive UTC text)."""
    return Delivery._meta.get_field("created_at").get_db_prep_save(value, connection=db)
