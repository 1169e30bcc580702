"""Sending the outbox: workers claim the deliveries that are due, POST them, and record every attempt.

- **Claim**: a batch of due deliveries is taken under ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite's
  transactions are serialized) and held until ``claimed_until``; a worker that dies lets them go back.
- **Send**: the batch's endpoints are called in parallel threads, each endpoint's deliveries one after the
  other. An endpoint that does not answer in time (or refuses connections) keeps the rest of its batch for
  later, so one hung receiver delays only its own events.
- **Record**: each attempt (status, latency, the start of the answer); a 2xx delivers, anything else is
  retried after ``WEBHOOK_RETRY_DELAYS`` until ``retry_until`` (24 hours), with the same event id. An
  endpoint whose every attempt has failed for 24 hours is disabled and its admins are told.

At least once: a receiver may see an event twice (a worker killed between the POST and the write); the
``webhook-id`` header (the event id) lets it tell.
"""

import json
import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from auditlog.models import Event
from voucherhub.wire import iso

from ..models import Attempt, Delivery, DeliveryStatus, Webhook
from . import alerts
from .claims import claim_due
from .queueing import retry_window
from .sending import Answer, Limits, headers, post

log = logging.getLogger(__name__)

BATCH = 100
THREADS = 8
ENDPOINT_BUDGET_SECONDS = 30.0  # an endpoint's share of one batch; the rest waits for the next one


@dataclass
class Work:
    delivery: Delivery
    body: bytes
    answer: Answer | None = None  # None: not tried (its endpoint hung earlier in the batch)


def deliver_due(*, max_seconds: float = 20.0) -> int:
    """Send what was due when the call began, batch after batch, for at most ``max_seconds``; returns how
    many were delivered. Retries that come due meanwhile are left to the next call (a follow-up task), so
    a failing endpoint never keeps a worker busy in a loop."""
    deadline, started = time.monotonic() + max_seconds, timezone.now()
    delivered = 0
    while time.monotonic() < deadline:
        batch = _claim(due_by=started)
        if not batch:
            break
        works = _prepare(batch)
        _send_all(works)
        delivered += _record(works)
    return delivered


def soonest_retry() -> float | None:
    """Seconds until a pending delivery can next be taken (its retry time, or the end of another worker's
    claim on it), or None when none waits."""
    ready = Greatest("next_attempt_at", Coalesce("claimed_until", "next_attempt_at"))
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).annotate(ready=ready).order_by("ready")
    first = pending.values_list("ready", flat=True).first()
    return None if first is None else max(0.0, (first - timezone.now()).total_seconds())


def payload(delivery: Delivery, event: Event) -> dict:
    """The JSON an endpoint receives: ``id`` (the event's, the same on every attempt), ``object``, ``type``,
    ``created_at``, ``webhook_id``, ``project_id`` and ``data`` (what the event is about, and its details)."""
    data = {"object": {"id": event.resource_id, "object": event.resource_type}, "details": event.data}
    if event.campaign_id:
        data["campaign_id"] = event.campaign_id
    if event.customer_id:
        data["customer_id"] = event.customer_id
    return {
        "id": event.id,
        "object": "event",
        "type": delivery.event_type,  # the SDK's name (an audit event may have its own, events.ALIASES)
        "created_at": iso(event.occurred_at),  # as the API writes times: 2026-12-07T14:00:00.123Z
        "webhook_id": delivery.webhook_id,
        "project_id": settings.VOUCHERHUB_PROJECT_ID,
        "data": data,
    }


def _claim(*, due_by) -> list[Delivery]:
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    ids = claim_due(pending, due_by=due_by, limit=BATCH, hold=timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS))
    return list(Delivery.objects.filter(id__in=ids).select_related("webhook").order_by("next_attempt_at", "id"))


def _prepare(batch: list[Delivery]) -> list[Work]:
    events = Event.objects.in_bulk({delivery.event_id for delivery in batch})
    works = []
    for delivery in batch:
        event = events.get(delivery.event_id)
        if event is None:  # cannot happen while events are kept; never a crash of the whole batch
            works.append(Work(delivery, b"", Answer(None, 0, error="The event no longer exists")))
            continue
        body = json.dumps(payload(delivery, event), cls=DjangoJSONEncoder, separators=(",", ":")).encode()
        works.append(Work(delivery, body))
    return works


def _send_all(works: list[Work]) -> None:
    by_endpoint: dict[str, list[Work]] = defaultdict(list)
    for work in works:
        if work.answer is None:
            by_endpoint[work.delivery.webhook_id].append(work)
    limits = Limits(
        allow_http=settings.WEBHOOK_ALLOW_HTTP,
        allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        response_bytes=settings.WEBHOOK_RESPONSE_BYTES,
    )
    if len(by_endpoint) == 1:
        _send_endpoint(next(iter(by_endpoint.values())), limits)
        return
    with ThreadPoolExecutor(max_workers=min(THREADS, len(by_endpoint)), thread_name_prefix="webhook") as pool:
        list(pool.map(lambda group: _send_endpoint(group, limits), by_endpoint.values()))


def _send_endpoint(works: list[Work], limits: Limits) -> None:
    """One endpoint's deliveries in order; stops at the first that hangs, or when its budget is spent."""
    started = time.monotonic()
    for work in works:
        webhook = work.delivery.webhook
        secrets = [webhook.secret] + ([webhook.previous_secret] if _previous_valid(webhook) else [])
        work.answer = post(webhook.target_url, work.body, headers(secrets, work.delivery.event_id, work.body), limits)
        if work.answer.hung or time.monotonic() - started > ENDPOINT_BUDGET_SECONDS:
            return


def _previous_valid(webhook: Webhook) -> bool:
    return bool(webhook.previous_secret) and (
        webhook.previous_secret_until is not None and webhook.previous_secret_until > timezone.now()
    )


def _record(works: list[Work]) -> int:
    """Write the attempts and each delivery's new state; returns how many were delivered."""
    now = timezone.now()
    attempts, changed, outcomes = [], [], defaultdict(list)
    for work in works:
        delivery, answer = work.delivery, work.answer
        if answer is None:  # not tried (its endpoint hung): back in the queue, for the endpoint's next try
            delivery.claimed_until = None
            delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_RETRY_DELAYS[0])
            changed.append(delivery)
            continue
        attempts.append(
            Attempt(
                delivery=delivery,
                attempted_at=now,
                status_code=answer.status,
                latency_ms=answer.latency_ms,
                response_excerpt=answer.excerpt,
                error=answer.error,
            )
        )
        _apply(delivery, answer, now)
        changed.append(delivery)
        outcomes[delivery.webhook_id].append(answer.ok)
    with transaction.atomic():
        Attempt.objects.bulk_create(attempts)
        Delivery.objects.bulk_update(
            changed,
            [
                "status",
                "attempts",
                "next_attempt_at",
                "claimed_until",
                "last_status_code",
                "last_error",
                "delivered_at",
            ],
        )
        webhooks = {work.delivery.webhook_id: work.delivery.webhook for work in works}
        for webhook_id, results in outcomes.items():
            _note_endpoint(webhooks[webhook_id], succeeded=results[-1], now=now)
    return sum(1 for work in works if work.answer is not None and work.answer.ok)


def _apply(delivery: Delivery, answer: Answer, now) -> None:
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.last_status_code = answer.status
    delivery.last_error = answer.error or ("" if answer.ok else f"Answered {answer.status}")
    if answer.ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, now
        return
    delays = settings.WEBHOOK_RETRY_DELAYS
    next_at = now + timedelta(seconds=delays[min(delivery.attempts - 1, len(delays) - 1)])
    if next_at > delivery.retry_until:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = next_at


def _note_endpoint(webhook: Webhook, *, succeeded: bool, now) -> None:
    """An endpoint's health: a success clears its failing streak; 24 hours of failures disable it."""
    if succeeded:
        if webhook.failing_since is not None:
            Webhook.objects.filter(pk=webhook.pk).update(failing_since=None)
        return
    if webhook.failing_since is None:
        Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(failing_since=now)
        return
    if now - webhook.failing_since >= retry_window() and webhook.active:
        disabled = Webhook.objects.filter(pk=webhook.pk, active=True).update(
            active=False, disabled_at=now, disabled_reason="Every delivery failed for 24 hours."
        )
        if disabled:
            Delivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.FAILED, claimed_until=None, last_error="The endpoint was disabled"
            )
            alerts.endpoint_disabled(webhook)


def purge_deliveries(*, now=None, chunk: int = 5_000) -> int:
    """Delete the deliveries finished (delivered or failed) more than ``WEBHOOK_LOG_DAYS`` ago, and their
    attempts, a chunk at a time; returns how many. Pending ones stay, however old (their retry decides)."""
    before = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    old = Delivery.objects.filter(created_at__lt=before).exclude(status=DeliveryStatus.PENDING)
    purged = 0
    while ids := list(old.values_list("id", flat=True)[:chunk]):
        with transaction.atomic():
            Attempt.objects.filter(delivery_id__in=ids).delete()
            purged += Delivery.objects.filter(id__in=ids).delete()[1].get(Delivery._meta.label, 0)
    return purged
