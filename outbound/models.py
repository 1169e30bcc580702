"""Webhook endpoints, their subscriptions, the outbox of deliveries and each attempt; e-mail distributions.

A :class:`Delivery` is one event for one endpoint. It is written in the transaction of the change that
caused the event (``services/queueing.py``), so an event is never lost and never sent for a change that was
rolled back; workers send it after the commit and keep every :class:`Attempt`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from voucherhub.ids import ID_LENGTH, id_default


class Webhook(models.Model):
    """An endpoint: where events go, which ones (the SDK's names), and the secret that signs them."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("wh_"), editable=False)
    target_url = models.CharField(max_length=2000)
    events = models.JSONField(default=list, help_text="The SDK's webhook event names, sorted.")
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, editable=False, help_text="whsec_...; signs every delivery.")
    # After a rotation the old secret signs too (a second signature) until it lapses, so receivers can
    # switch without losing a message.
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Since when every attempt has failed (None after a success); 24 hours of it disable the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.target_url


class Subscription(models.Model):
    """One event name an endpoint wants: the rows the outbox's INSERT ... SELECT joins on."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="subscriptions")
    event_type = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_type", "webhook"], name="subscription_unique")]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SUCCEEDED = "SUCCEEDED", "Delivered"
    FAILED = "FAILED", "Failed"


class Delivery(models.Model):
    """One event for one endpoint: the outbox row, then the delivery's state. ``event_id`` is the audit
    trail's ``evt_`` id and the ``webhook-id`` header of every attempt."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    event_id = models.CharField(max_length=ID_LENGTH)
    event_type = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    retry_until = models.DateTimeField(
        help_text="After this, a failed attempt is the last (24 hours; a replay resets it)."
    )
    # A worker that took the delivery holds it until then; one that died lets it go back to the queue.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="delivery_unique")]
        indexes = [
            models.Index(fields=["webhook", "-created_at", "-id"], name="delivery_webhook_idx"),
            models.Index(fields=["next_attempt_at"], name="delivery_due_idx", condition=Q(status="PENDING")),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.webhook_id}"


class Attempt(models.Model):
    """One POST of a delivery: when, what came back (status, latency, the start of the body) or why not."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class Distribution(models.Model):
    """A campaign's e-mail sent with each code published to a customer (``{code}``, ``{campaign}`` and
    ``{customer}`` are filled in)."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.CASCADE, related_name="distribution")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.subject


class MessageStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SENT = "SENT", "Delivered"
    FAILED = "FAILED", "Failed"


class Message(models.Model):
    """One e-mail of a distribution: a published code sent to its customer, written with the publication."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="messages")
    campaign_id = models.CharField(max_length=ID_LENGTH, db_index=True)
    publication_id = models.CharField(max_length=ID_LENGTH)
    customer_id = models.CharField(max_length=ID_LENGTH)
    voucher_code = models.CharField(max_length=200)
    recipient = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["publication_id", "voucher_code"], name="message_unique"),
        ]
        indexes = [models.Index(fields=["next_attempt_at"], name="message_due_idx", condition=Q(status="PENDING"))]

    def __str__(self) -> str:
        return f"{self.voucher_code} → {self.recipient}"
