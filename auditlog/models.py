"""The audit trail: one RequestLog per /v1/ call and the domain events, each linked to its log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from voucherhub.ids import ID_LENGTH, id_default
from voucherhub.models import ChannelType


class RequestLog(models.Model):
    """One /v1/ call. Bodies are stored with secrets removed; the id is the returned request id.

    The log is written after the response, once the call's own transaction has committed, so rows that
    point at it (events, validations, redemptions, rollbacks) hold its id without a database foreign-key
    constraint (``db_constraint=False``): the link is for joins, and a log can never block a redemption.
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH)  # "v-..." (voucherhub.ids.new_request_id)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    query = models.JSONField(default=dict, blank=True)
    request_body = models.JSONField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    origin = models.CharField(max_length=500, blank=True, default="")
    user_agent = models.CharField(max_length=500, blank=True, default="")
    channel_type = models.CharField(max_length=8, choices=ChannelType.choices, default=ChannelType.API)
    channel_id = models.CharField(max_length=200, blank=True, default="", help_text="The API key's name.")
    api_key = models.ForeignKey("voucherhub.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["response_status", "-created_at"], name="reqlog_status_idx"),
            models.Index(fields=["channel_id", "-created_at"], name="reqlog_channel_idx"),
            models.Index(fields=["method", "-created_at"], name="reqlog_method_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.response_status}"


class Event(models.Model):
    """Something that happened (``redemption.succeeded``, ``session.released``, ...), with its JSON data.

    ``resource_id`` is the object the event is about (``r_...``, ``ssn_...``); ``campaign_id`` lets a
    campaign's Activity tab read its events without joins, and ``customer_id`` a customer's (the events of
    what a customer did or had done to them: their validations, redemptions, rollbacks and profile changes).
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("evt_"), editable=False)
    type = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(db_index=True)
    channel_type = models.CharField(max_length=8, choices=ChannelType.choices, default=ChannelType.API)
    channel_id = models.CharField(max_length=200, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    resource_type = models.CharField(max_length=32, blank=True, default="")
    resource_id = models.CharField(max_length=200, blank=True, default="")
    campaign_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    customer_id = models.CharField(max_length=ID_LENGTH, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    request_log = models.ForeignKey(
        RequestLog,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="events",
        db_index=False,
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["resource_id", "-occurred_at"], name="event_resource_idx"),
            models.Index(fields=["campaign_id", "-occurred_at"], name="event_campaign_idx"),
            models.Index(fields=["type", "-occurred_at"], name="event_type_idx"),
            # A customer's activity, newest first, keyset-paged on (occurred_at, id); most events have none.
            models.Index(
                fields=["customer_id", "-occurred_at", "-id"], name="event_customer_idx", condition=~Q(customer_id="")
            ),
            # Most events have no user (API calls, tasks) and many no request (tasks): indexed where set, so
            # that writing an event (every call writes some; an expiration run a million) costs less.
            models.Index(fields=["user"], name="event_user_idx", condition=Q(user__isnull=False)),
            models.Index(fields=["request_log"], name="event_request_idx", condition=Q(request_log__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.resource_id}"
