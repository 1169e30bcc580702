"""The Management API's wire shapes: the project (the installation) and its webhooks."""

from django.conf import settings

from voucherhub.wire import iso

from .models import Webhook


def project_json() -> dict:
    return {
        "id": settings.VOUCHERHUB_PROJECT_ID,
        "name": settings.VOUCHERHUB_PROJECT_NAME,
        "description": "This VoucherHub installation.",
        "timezone": "UTC",
        "currency": settings.VOUCHERHUB_CURRENCY,
        "webhook_version": "v2024-01-01",
        "api_version": "v2018-08-01",
        "is_sandbox": False,
    }


def webhook_json(webhook: Webhook, *, with_secret: bool = False) -> dict:
    """An endpoint; ``secret`` only in the answer that created it (or rotated it)."""
    body = {
        "id": webhook.pk,
        "object": "webhook",
        "created_at": iso(webhook.created_at),
        "target_url": webhook.target_url,
        "events": list(webhook.events),
        "active": webhook.active,
    }
    if with_secret:
        body["secret"] = webhook.secret
    return body
