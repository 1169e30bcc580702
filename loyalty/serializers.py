"""Loyalty programs, members (their cards), balances and card transactions in the platform's shapes."""

from auditlog.models import Event
from campaigns.models import Campaign, Voucher
from campaigns.serializers import campaign_json, voucher_json
from voucherhub.wire import iso

from .models import (
    EarningRule,
    LoyaltyCard,
    LoyaltyTier,
    PendingPoints,
    PointsBucket,
    PointsTransaction,
    Reward,
    RewardAssignment,
    RewardType,
)


def program_json(campaign: Campaign, *, members: int) -> dict:
    """A loyalty program: the campaign object, every member holding one card (``join_once``)."""
    body = campaign_json(campaign, vouchers_count=members)
    body["join_once"] = True
    template = campaign.voucher_template or {}
    body["voucher"] = {
        "type": "LOYALTY_CARD",
        "loyalty_card": {"points": int((template.get("loyalty_card") or {}).get("points") or 0)}
        | (
            {"expiration_rules": rules}
            if (rules := (template.get("loyalty_card") or {}).get("expiration_rules"))
            else {}
        ),
        "redemption": {"quantity": None},
        "code_config": template.get("code_config") or {},
        "is_referral_code": False,
    }
    return body


def card_json(card: LoyaltyCard | None) -> dict:
    points = card if card is not None else LoyaltyCard()
    return {
        "points": points.points,
        "balance": points.balance,
        "next_expiration_date": None,
        "next_expiration_points": None,
        "pending_points": points.pending_points,
        "expired_points": points.expired_points,
        "subtracted_points": points.subtracted_points,
    }


def member_json(voucher: Voucher) -> dict:
    """A member's card: the voucher object with its ``loyalty_card`` points. Reads ``loyalty``,
    ``campaign`` and ``category``."""
    body = voucher_json(voucher)
    body["discount"] = None
    body["loyalty_card"] = card_json(getattr(voucher, "loyalty", None))
    body["redemption"].pop("redeemed_amount", None)
    return body


def transferred_json(voucher: Voucher) -> dict:
    """The card a transfer filled, as the SDK's transfer answer reads it: ``active`` as text, and the
    validity it requires (no time frame; every day of the week)."""
    return member_json(voucher) | {
        "active": "true" if voucher.active else "false",
        "validity_timeframe": {},
        "validity_day_of_week": [0, 1, 2, 3, 4, 5, 6],
    }


def balance_json(entry: PointsTransaction) -> dict:
    """The answer to a balance change: the points moved and the card's figures after."""
    return {
        "points": entry.points,
        "total": entry.total,
        "balance": entry.balance,
        "type": "loyalty_card",
        "object": "balance",
        "related_object": {"type": "voucher", "id": entry.card_id},
        "operation_type": "MANUAL",
    }


def transaction_json(entry: PointsTransaction) -> dict:
    """One ledger row as a loyalty card transaction (points earned name their rule, order and event:
    reads ``earning_rule`` and ``order``)."""
    body = {
        "id": entry.id,
        "source_id": entry.source_id or None,
        "voucher_id": entry.card_id,
        "campaign_id": entry.campaign_id,
        "source": entry.source or None,
        "reason": entry.reason or None,
        "related_transaction_id": entry.related_transaction_id,
        "created_at": iso(entry.created_at),
        "type": entry.type,
        "details": {
            "balance": {
                "type": "loyalty_card",
                "total": entry.total,
                "object": "balance",
                "points": entry.points,
                "balance": entry.balance,
                "operation_type": "MANUAL",
                "related_object": {"id": entry.card_id, "type": "voucher"},
            }
        },
    }
    if entry.event:
        details = body["details"]
        event = "customer.order.paid" if entry.event == "order.paid" else entry.event  # the platform's event name
        details["event"] = {"id": None, "type": event}
        if entry.order_id:
            details["order"] = {"id": entry.order_id, "source_id": entry.order.source_id}
        if entry.earning_rule_id:
            details["earning_rule"] = {"id": entry.earning_rule_id, "source": {"banner": entry.earning_rule.banner}}
    return body


def earning_rule_json(rule: EarningRule) -> dict:
    """An earning rule in the platform's shape (``loyalty`` as stored: FIXED points or one ratio)."""
    body = {
        "id": rule.id,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "object": "earning_rule",
        "event": rule.event,
        "loyalty": rule.loyalty,
        "source": {"banner": rule.banner or None, "object_id": rule.campaign_id, "object_type": "campaign"},
        "active": rule.active,
        "start_date": iso(rule.start_date),
        "expiration_date": iso(rule.expiration_date),
        "validation_rule_id": rule.validation_rule_id or None,
        "metadata": rule.metadata or {},
        "automation_id": None,
    }
    if rule.validity_day_of_week:
        body["validity_day_of_week"] = rule.validity_day_of_week
    if rule.segment_id:
        body["segment"] = {"id": rule.segment_id}
    if rule.custom_event_schema_id:
        body["custom_event"] = {"schema_id": rule.custom_event_schema_id}
    if rule.pending_days:
        body["pending_points"] = {"period_type": "DAY", "period_value": rule.pending_days}
    return body


def pending_points_json(pending: PendingPoints) -> dict:
    """Points held by a pending period (reads ``card.voucher``, ``earning_rule`` and ``order``)."""
    rule, order = pending.earning_rule, pending.order
    details = {
        "event": {"type": "customer.order.paid", "entity_id": pending.order_id, "created_at": iso(pending.created_at)},
        "earning_rule": {"id": rule.id, "source": {"banner": rule.banner or None}} if rule else None,
        "order": {"id": order.id, "source_id": order.source_id} if order else None,
    }
    return {
        "id": pending.id,
        "voucher_id": pending.card_id,
        "campaign_id": pending.campaign_id,
        "customer_id": pending.card.voucher.holder_id,
        "order_id": pending.order_id,
        "points": pending.points,
        "activates_at": pending.activates_at.isoformat(),
        "status": pending.status,
        "details": {k: v for k, v in details.items() if v is not None},
        "created_at": iso(pending.created_at),
        "updated_at": iso(pending.updated_at),
    }


def reward_json(reward: Reward) -> dict:
    """A catalog entry (reads ``campaign``)."""
    if reward.type == RewardType.CAMPAIGN:
        campaign = reward.campaign
        parameters = {"campaign": {"id": campaign.pk, "type": campaign.campaign_type, "balance": reward.balance}}
    elif reward.type == RewardType.COIN:
        coin = {"exchange_ratio": float(reward.exchange_ratio), "points_ratio": reward.points_ratio}
        parameters = {"coin": coin}
    else:
        parameters = {"product": {"id": reward.product_id or None, "sku_id": reward.sku_id or None}}
    return {
        "id": reward.id,
        "name": reward.name,
        "stock": reward.stock,
        "redeemed": reward.redeemed,
        "attributes": {"image_url": reward.image_url or None, "description": reward.description or None},
        "metadata": reward.metadata or {},
        "type": reward.type,
        "parameters": parameters,
        "created_at": iso(reward.created_at),
        "updated_at": iso(reward.updated_at),
        "object": "reward",
    }


def assignment_json(assignment: RewardAssignment) -> dict:
    """A reward offered by a program, for its points."""
    return {
        "id": assignment.id,
        "reward_id": assignment.reward_id,
        "created_at": iso(assignment.created_at),
        "updated_at": iso(assignment.updated_at),
        "object": "reward_assignment",
        "related_object_id": assignment.campaign_id,
        "related_object_type": "campaign",
        "parameters": {"loyalty": {"points": assignment.points, "auto_redeem": assignment.auto_redeem}},
    }


def tier_json(tier: LoyaltyTier, *, card: LoyaltyCard | None = None) -> dict:
    """A loyalty tier; a member's (``card``) says since when they hold it."""
    points = {"from": tier.points_from, "to": tier.points_to}
    body = {
        "id": tier.id,
        "name": tier.name,
        "campaign_id": tier.campaign_id,
        "earning_rules": tier.earning_rules or {},
        "rewards": tier.rewards or {},
        "points": points,
        "config": {"points": points},
        "metadata": tier.metadata or {},
        "created_at": iso(tier.created_at),
        "updated_at": iso(tier.updated_at),
        "object": "loyalty_tier",
    }
    if card is not None:
        body["expiration"] = {
            "customer_id": card.voucher.holder_id,
            "campaign_id": tier.campaign_id,
            "tier_id": tier.id,
            "start_date": None,
            "expiration_date": None,
            "created_at": iso(card.updated_at),
            "updated_at": iso(card.updated_at),
        }
    return body


def bucket_json(bucket: PointsBucket) -> dict:
    """Points of a card that expire together."""
    return {
        "id": bucket.id,
        "voucher_id": bucket.card_id,
        "campaign_id": bucket.campaign_id,
        "bucket": {"total_points": bucket.remaining},
        "status": bucket.status,
        "expires_at": bucket.expires_at.isoformat(),
        "created_at": iso(bucket.created_at),
        "updated_at": iso(bucket.updated_at),
        "object": "loyalty_points_bucket",
    }


# Our events of a card, as the member activity's closed list of types names them (others are not listed).
MEMBER_ACTIVITY_TYPES = {
    "voucher.loyalty_card.points_aded": "customer.voucher.loyalty_card.points_added",
    "voucher.loyalty_card.points_transferred": "customer.voucher.loyalty_card.points_transferred",
    "voucher.loyalty_card.points_expired": "customer.voucher.loyalty_card.points_expired",
    "voucher.loyalty_card.pending_points.aded": "customer.voucher.loyalty_card.pending_points.added",
    "voucher.loyalty_card.pending_points.activated": "customer.voucher.loyalty_card.pending_points.activated",
    "voucher.loyalty_card.pending_points.canceled": "customer.voucher.loyalty_card.pending_points.canceled",
    "voucher.loyalty_card.pending_points.updated": "customer.voucher.loyalty_card.pending_points.updated",
    "customer.rewarded.loyalty_points": "customer.rewarded.loyalty_points",
    "customer.rewarded": "customer.rewarded",
    "redemption.succeeded": "customer.redemption.succceeded",  # sic: the platform's spelling
    "customer.loyalty.tier.joined": "customer.loyalty.tier.joined",
    "customer.loyalty.tier.left": "customer.loyalty.tier.left",
    "customer.loyalty.tier.upgraded": "customer.loyalty.tier.upgraded",
    "customer.loyalty.tier.downgraded": "customer.loyalty.tier.downgraded",
}
_CHANNELS = {"API": "API", "USER": "USER_PORTAL"}


def member_activity_json(event: Event) -> dict:
    """One event of a member's card, in the platform's member activity shape."""
    data = event.data or {}
    body: dict = {"created_at": iso(event.occurred_at)}
    if isinstance(data.get("points"), int) and not isinstance(data.get("points"), bool):
        body["points"] = data["points"]
    return {
        "id": event.id,
        "type": MEMBER_ACTIVITY_TYPES[event.type],
        "data": {"data": body, "event_source": {"channel": _CHANNELS.get(event.channel_type, "INTERNAL")}},
        "created_at": iso(event.occurred_at),
        "group_id": event.request_log_id,
    }
