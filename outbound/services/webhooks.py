"""Endpoints: create, change, rotate the secret, delete; replay a delivery; send a test event.

Each change is audited (``webhook.created``, ...; never with the secret) and tells this process to read the
subscriptions again (``queueing.forget_subscriptions``; other processes within seconds, and the database
always decides who gets an event).
"""

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, invalid_payload, not_found

from ..addresses import UrlRefused, check_saved
from ..events import TEST_EVENT, WEBHOOK_EVENTS
from ..models import Delivery, DeliveryStatus, Subscription, Webhook
from .queueing import forget_subscriptions, retry_window
from .wakeups import wake_after_commit

# After a rotation the old secret keeps signing (a second signature) for this long.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class WebhookRequest:
    target_url: str | None = None
    events: list[str] | None = None
    active: bool | None = None


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def checked_url(url: str) -> str:
    """The URL as saved, or ``invalid_payload`` saying why it may not receive events."""
    try:
        return check_saved(url, allow_http=settings.WEBHOOK_ALLOW_HTTP, allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS)
    except UrlRefused as refusal:
        raise invalid_payload(f"target_url: {refusal}") from None


def checked_events(events: list[str] | None) -> list[str]:
    names = list(dict.fromkeys(events or []))
    if not names:
        raise invalid_payload("events: choose at least one event")
    unknown = [name for name in names if name not in WEBHOOK_EVENTS]
    if unknown:
        raise invalid_payload(f"events: unknown event {unknown[0]!r}")
    return sorted(names)


def create_webhook(request: WebhookRequest, *, caller: Caller) -> Webhook:
    url, events = checked_url(request.target_url or ""), checked_events(request.events)
    with transaction.atomic():
        webhook = Webhook.objects.create(
            target_url=url, events=events, active=request.active is not False, secret=new_secret()
        )
        _subscribe(webhook)
        _event("webhook.created", webhook, caller)
    forget_subscriptions()
    return webhook


def update_webhook(webhook_id: str, request: WebhookRequest, *, caller: Caller) -> Webhook:
    """Change what is given; turning an endpoint on again clears its failing streak and disabled note."""
    url = checked_url(request.target_url) if request.target_url is not None else None
    events = checked_events(request.events) if request.events is not None else None
    with transaction.atomic():
        webhook = _locked(webhook_id)
        if url is not None:
            webhook.target_url = url
        if events is not None:
            webhook.events = events
        if request.active is not None:
            if request.active and not webhook.active:
                webhook.failing_since, webhook.disabled_at, webhook.disabled_reason = None, None, ""
            webhook.active = request.active
        webhook.updated_at = timezone.now()
        webhook.save()
        if events is not None:
            _subscribe(webhook)
        _event("webhook.updated", webhook, caller)
    forget_subscriptions()
    return webhook


def delete_webhook(webhook_id: str, *, caller: Caller) -> None:
    with transaction.atomic():
        webhook = _locked(webhook_id)
        _event("webhook.deleted", webhook, caller)
        webhook.delete()
    forget_subscriptions()


def rotate_secret(webhook_id: str, *, caller: Caller) -> Webhook:
    """A new secret, shown once; the old one signs too for ROTATION_OVERLAP so receivers can switch."""
    with transaction.atomic():
        webhook = _locked(webhook_id)
        webhook.previous_secret, webhook.secret = webhook.secret, new_secret()
        webhook.previous_secret_until = timezone.now() + ROTATION_OVERLAP
        webhook.updated_at = timezone.now()
        webhook.save()
        _event("webhook.secret_rotated", webhook, caller)
    return webhook


def replay(delivery_id: int, *, caller: Caller) -> Delivery:
    """Send a delivery again (a failed one, or a delivered one on request), with the same event id, retried
    for another 24 hours."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise not_found("delivery", str(delivery_id))
        if delivery.status == DeliveryStatus.PENDING:
            raise DomainError("invalid_payload", "Invalid payload", "This delivery is already waiting to be sent.")
        now = timezone.now()
        delivery.status, delivery.next_attempt_at, delivery.claimed_until = DeliveryStatus.PENDING, now, None
        delivery.retry_until = now + retry_window()
        delivery.save(update_fields=["status", "next_attempt_at", "claimed_until", "retry_until"])
        record_event(
            "webhook.delivery.replayed",
            caller=caller,
            resource_type="webhook",
            resource_id=delivery.webhook_id,
            data={"event_id": delivery.event_id, "event_type": delivery.event_type},
        )
        wake_after_commit()
    return delivery


def send_test_event(webhook_id: str, *, caller: Caller) -> Delivery:
    """A ``webhook.test`` event for this endpoint alone (active or not), sent like any other."""
    with transaction.atomic():
        webhook = _locked(webhook_id)
        event = record_event(
            TEST_EVENT,
            caller=caller,
            resource_type="webhook",
            resource_id=webhook.pk,
            data={"message": "A test event sent from Settings > Webhooks.", "target_url": webhook.target_url},
        )
        delivery = Delivery.objects.create(
            webhook=webhook,
            event_id=event.pk,
            event_type=TEST_EVENT,
            created_at=event.occurred_at,
            next_attempt_at=event.occurred_at,
            retry_until=event.occurred_at + retry_window(),
        )
        wake_after_commit()
    return delivery


def _locked(webhook_id: str) -> Webhook:
    webhook = Webhook.objects.select_for_update().filter(pk=webhook_id).first()
    if webhook is None:
        raise not_found("webhook", webhook_id)
    return webhook


def _subscribe(webhook: Webhook) -> None:
    Subscription.objects.filter(webhook=webhook).exclude(event_type__in=webhook.events).delete()
    existing = set(Subscription.objects.filter(webhook=webhook).values_list("event_type", flat=True))
    Subscription.objects.bulk_create(
        [Subscription(webhook=webhook, event_type=name) for name in webhook.events if name not in existing]
    )


def _event(event_type: str, webhook: Webhook, caller: Caller) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="webhook",
        resource_id=webhook.pk,
        data={"target_url": webhook.target_url, "events": webhook.events, "active": webhook.active},
    )
