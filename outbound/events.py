"""The webhook event names, spelled exactly as the platform's SDK spells them (``aded`` included): the only
names an endpoint may subscribe to, through the Management API or Settings > Webhooks.

An event the audit trail writes under one of these names is delivered to the endpoints that want it; the
audit trail's other events (``session.created``, ``api_key.revoked``, ...) stay inside.
"""

WEBHOOK_EVENTS: frozenset[str] = frozenset(
    [
        "business_validation_rule.assignment.created",
        "business_validation_rule.assignment.deleted",
        "business_validation_rule.created",
        "business_validation_rule.deleted",
        "business_validation_rule.updated",
        "campaign.created",
        "campaign.deleted",
        "campaign.disabled",
        "campaign.enabled",
        "campaign.earning_rule.assigned",
        "campaign.earning_rule.deleted",
        "campaign.earning_rule.disabled",
        "campaign.earning_rule.enabled",
        "campaign.earning_rule.updated",
        "campaign.loyalty_tier.created",
        "campaign.loyalty_tier.deleted",
        "campaign.loyalty_tier.updated",
        "campaign.promotion_stack.created",
        "campaign.promotion_stack.updated",
        "campaign.promotion_tier.created",
        "campaign.promotion_tier.deleted",
        "campaign.promotion_tier.disabled",
        "campaign.promotion_tier.enabled",
        "campaign.promotion_tier.updated",
        "campaign.referral_tier.created",
        "campaign.referral_tier.deleted",
        "campaign.referral_tier.updated",
        "campaign.reward.assignment.created",
        "campaign.reward.assignment.deleted",
        "campaign.reward.assignment.updated",
        "campaign.updated",
        "campaign.vouchers.aded",
        "campaign.vouchers.generation.completed",
        "campaign.vouchers.generation.failed",
        "campaign.vouchers.generation.started",
        "customer.confirmed",
        "customer.created",
        "customer.deleted",
        "customer.rewarded",
        "customer.rewarded.loyalty_points",
        "publication.succeeded",
        "redemption.failed",
        "redemption.rollback.failed",
        "redemption.rollback.succeeded",
        "redemption.succeeded",
        "voucher.created",
        "voucher.deleted",
        "voucher.disabled",
        "voucher.enabled",
        "voucher.gift.balance_aded",
        "voucher.gift.transaction.created",
        "voucher.loyalty_card.pending_points.activated",
        "voucher.loyalty_card.pending_points.aded",
        "voucher.loyalty_card.pending_points.canceled",
        "voucher.loyalty_card.pending_points.updated",
        "voucher.loyalty_card.points_aded",
        "voucher.loyalty_card.points_expired",
        "voucher.loyalty_card.transaction.created",
        "voucher.published",
        "voucher.updated",
    ]
)

# Events the audit trail writes under a name of its own, delivered under the SDK's name for them.
ALIASES = {
    "campaign.vouchers.generated": "campaign.vouchers.generation.completed",
    "campaign.vouchers.generation_failed": "campaign.vouchers.generation.failed",
}


def webhook_name(event_type: str, data: dict) -> str | None:
    """The SDK's name an audit event is delivered under, or None when it stays inside."""
    if event_type in WEBHOOK_EVENTS:
        return event_type
    if event_type == "voucher.balance.updated":  # a gift card's balance: the SDK names only what is added
        return "voucher.gift.balance_aded" if (data.get("amount") or 0) > 0 else None
    return ALIASES.get(event_type)


# What Settings > Webhooks > Send test event sends: no endpoint subscribes to it, each gets it on request.
TEST_EVENT = "webhook.test"


def event_groups() -> list[tuple[str, list[str]]]:
    """The names by their first word (``campaign``, ``customer``, ...), for the dashboard's form."""
    groups: dict[str, list[str]] = {}
    for name in sorted(WEBHOOK_EVENTS):
        groups.setdefault(name.split(".")[0], []).append(name)
    return [(group.replace("_", " ").capitalize(), names) for group, names in groups.items()]
