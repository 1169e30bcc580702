"""Loyalty programs, members (their cards), balances and card transactions in the platform's shapes."""

from campaigns.models import Campaign, Voucher
from campaigns.serializers import campaign_json, voucher_json
from voucherhub.wire import iso

from .models import LoyaltyCard, PointsTransaction


def program_json(campaign: Campaign, *, members: int) -> dict:
    """A loyalty program: the campaign object, every member holding one card (``join_once``)."""
    body = campaign_json(campaign, vouchers_count=members)
    body["join_once"] = True
    template = campaign.voucher_template or {}
    body["voucher"] = {
        "type": "LOYALTY_CARD",
        "loyalty_card": {"points": int((template.get("loyalty_card") or {}).get("points") or 0)},
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
        "pending_points": 0,
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
    """One ledger row as a loyalty card transaction."""
    return {
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
