"""Telling people: an endpoint disabled after a day of failures reaches every user who manages webhooks."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse

from auditlog.services import record_event
from exports.services import notify
from voucherhub.caller import Caller

from ..models import Webhook


def endpoint_disabled(webhook: Webhook) -> None:
    record_event(
        "webhook.disabled",
        caller=Caller.system("webhooks"),
        resource_type="webhook",
        resource_id=webhook.pk,
        data={"target_url": webhook.target_url, "reason": "Every delivery failed for 24 hours."},
    )
    message = (
        f"Webhook {webhook.target_url} was turned off: every delivery to it failed for 24 hours. "
        "Fix the receiver, then turn it on again and replay the failed deliveries."
    )
    notify(managers(), message, link=reverse("outbound:detail", args=[webhook.pk]))


def managers():
    """Active users who may change webhooks (the Admin role, superusers)."""
    perm = Permission.objects.filter(content_type__app_label="outbound", codename="change_webhook").first()
    who = Q(is_superuser=True)
    if perm is not None:
        who |= Q(user_permissions=perm) | Q(groups__permissions=perm)
    return get_user_model().objects.filter(who, is_active=True).distinct()
