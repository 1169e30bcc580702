"""E-mail distributions: a campaign's message sent with each code published to a customer.

:func:`queue_messages` runs inside the publication's transaction (the outbox listener): one
:class:`~outbound.models.Message` per published code, so a publication and its e-mail commit together.
A worker sends them through Django's e-mail backend (SMTP in production, files under var/mail in
``make run``) and records each one's status; a failed send is retried a few times, then kept as failed.
A customer without an e-mail address gets a message recorded as failed, saying so.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from auditlog.models import Event
from auditlog.services import record_event
from campaigns.models import Campaign, Customer
from voucherhub.caller import Caller

from ..models import Distribution, Message, MessageStatus
from .claims import claim_due
from .wakeups import SEND_TASK, wake_after_commit

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 600, 3600)  # seconds before each retry of a message that could not be sent
BATCH = 50
CLAIM = timedelta(minutes=5)
NO_ADDRESS = "The customer has no e-mail address"


def queue_messages(event: Event) -> None:
    """The e-mails of a ``publication.succeeded`` event, when its campaign has an active distribution."""
    if not event.campaign_id:
        return
    distribution = Distribution.objects.filter(campaign_id=event.campaign_id, active=True).first()
    if distribution is None:
        return
    customer = Customer.objects.filter(pk=event.customer_id).only("email").first()
    recipient = customer.email if customer is not None else ""
    Message.objects.bulk_create(
        [
            Message(
                distribution=distribution,
                campaign_id=event.campaign_id,
                publication_id=event.resource_id,
                customer_id=event.customer_id,
                voucher_code=code,
                recipient=recipient,
                created_at=event.occurred_at,
                next_attempt_at=event.occurred_at,
                status=MessageStatus.PENDING if recipient else MessageStatus.FAILED,
                error="" if recipient else NO_ADDRESS,
            )
            for code in event.data.get("codes") or []
        ]
    )
    if recipient:
        wake_after_commit(SEND_TASK)


def set_distribution(campaign: Campaign, *, subject: str, body: str, active: bool, caller: Caller) -> Distribution:
    """Create or change a campaign's e-mail distribution (audited)."""
    with transaction.atomic():
        distribution, created = Distribution.objects.update_or_create(
            campaign=campaign,
            defaults={"subject": subject, "body": body, "active": active},
            create_defaults={"subject": subject, "body": body, "active": active, "created_by": caller.user},
        )
        record_event(
            "distribution.created" if created else "distribution.updated",
            caller=caller,
            resource_type="campaign",
            resource_id=campaign.pk,
            campaign_id=campaign.pk,
            data={"name": campaign.name, "subject": subject, "active": active},
        )
    return distribution


def render(distribution: Distribution, message: Message, customer_name: str) -> tuple[str, str]:
    """The subject and body with ``{code}``, ``{campaign}`` and ``{customer}`` filled in."""
    values = {"code": message.voucher_code, "campaign": distribution.campaign.name, "customer": customer_name}
    return _fill(distribution.subject, values), _fill(distribution.body, values)


def send_due(*, max_seconds: float = 20.0) -> int:
    """Send the messages that are due; returns how many were sent."""
    deadline, sent = time.monotonic() + max_seconds, 0
    while time.monotonic() < deadline:
        batch = _claim()
        if not batch:
            break
        sent += _send(batch)
    return sent


def _claim() -> list[Message]:
    pending = Message.objects.filter(status=MessageStatus.PENDING)
    ids = claim_due(pending, due_by=timezone.now(), limit=BATCH, hold=CLAIM)
    return list(Message.objects.filter(id__in=ids).select_related("distribution__campaign"))


def _send(batch: list[Message]) -> int:
    names = dict(Customer.objects.filter(pk__in={m.customer_id for m in batch}).values_list("pk", "name"))
    sent = 0
    with get_connection(fail_silently=False) as connection:
        for message in batch:
            subject, body = render(message.distribution, message, names.get(message.customer_id) or "")
            email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [message.recipient], connection=connection)
            try:
                email.send()
            except Exception as error:  # SMTP refusals, a server down: retried, then kept as failed
                log.warning("could not send the e-mail of message %s: %s", message.pk, error)
                _failed(message, str(error) or type(error).__name__)
            else:
                message.status, message.sent_at, message.error = MessageStatus.SENT, timezone.now(), ""
                sent += 1
            message.attempts += 1
            message.claimed_until = None
    Message.objects.bulk_update(batch, ["status", "sent_at", "error", "attempts", "claimed_until", "next_attempt_at"])
    return sent


def _failed(message: Message, error: str) -> None:
    message.error = error[:300]
    if message.attempts >= len(RETRY_DELAYS):
        message.status = MessageStatus.FAILED
    else:
        message.next_attempt_at = timezone.now() + timedelta(seconds=RETRY_DELAYS[message.attempts])


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
