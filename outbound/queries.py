"""The read side of outbound: endpoints, a delivery log, a campaign's distribution figures."""

from django.conf import settings
from django.db.models import Count, Q

from redemptions.models import Redemption, RedemptionResult
from voucherhub.errors import not_found

from .models import Delivery, Distribution, Message, MessageStatus, Webhook


def check_project(project_id: str) -> None:
    """The one project's id, or ``not_found`` (the Management API's paths name it)."""
    if project_id != settings.VOUCHERHUB_PROJECT_ID:
        raise not_found("project", project_id)


def webhook(webhook_id: str) -> Webhook:
    found = Webhook.objects.filter(pk=webhook_id).first()
    if found is None:
        raise not_found("webhook", webhook_id)
    return found


def webhooks():
    """Every endpoint, newest first, with its pending and failed delivery counts."""
    return Webhook.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status="PENDING")),
        failed=Count("deliveries", filter=Q(deliveries__status="FAILED")),
    ).order_by("-created_at")


def deliveries(webhook: Webhook):
    """An endpoint's delivery log, newest first (the delivery log's filters narrow it)."""
    return Delivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")


def delivery(webhook: Webhook, delivery_id: int) -> Delivery:
    found = Delivery.objects.filter(webhook=webhook, pk=delivery_id).first()
    if found is None:
        raise not_found("delivery", str(delivery_id))
    return found


def distribution_of(campaign_id: str) -> Distribution | None:
    return Distribution.objects.filter(campaign_id=campaign_id).first()


def message_counts(campaign_id: str) -> dict[str, int]:
    """A campaign's e-mails: how many were written, delivered, failed and still waiting."""
    counts = Message.objects.filter(campaign_id=campaign_id).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(status=MessageStatus.SENT)),
        failed=Count("id", filter=Q(status=MessageStatus.FAILED)),
        pending=Count("id", filter=Q(status=MessageStatus.PENDING)),
    )
    return {name: value or 0 for name, value in counts.items()}


def messages(campaign_id: str):
    return Message.objects.filter(campaign_id=campaign_id).order_by("-created_at", "-id")


def sent_codes(campaign_id: str):
    """The codes of a campaign that reached their customer by e-mail (a subquery for redemption counts)."""
    return Message.objects.filter(campaign_id=campaign_id, status=MessageStatus.SENT).values("voucher_code")


def distribution_figures(campaign_id: str) -> dict:
    """What a campaign's Publications tab shows of its e-mails: the distribution, its messages by status,
    and the successful redemptions of codes that reached their customer by e-mail."""
    redeemed = Redemption.objects.filter(
        campaign_id=campaign_id, result=RedemptionResult.SUCCESS, voucher_code__in=sent_codes(campaign_id)
    ).count()
    return {
        "distribution": distribution_of(campaign_id),
        "message_counts": message_counts(campaign_id),  # not "messages": Django's messages use that name
        "redeemed_by_distribution": redeemed,
        "latest_messages": list(messages(campaign_id)[:10]),
    }
