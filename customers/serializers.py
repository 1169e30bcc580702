"""The platform's shapes of a customer's activity and of the codes they hold."""

from datetime import datetime

from auditlog.models import Event
from campaigns.models import Voucher, VoucherType
from campaigns.serializers import voucher_json
from voucherhub.wire import iso

from .queries import activity_type, redeemable_status


def activity_json(event: Event) -> dict:
    """One ``CustomerActivity``: the event under the platform's type, its data with the campaign it concerns,
    and ``group_id`` the request that caused it (the request log's id, as the Audit log shows it)."""
    data = dict(event.data)
    if event.campaign_id:
        data.setdefault("campaign_id", event.campaign_id)
    return {
        "id": event.id,
        "type": activity_type(event),
        "data": data,
        "created_at": iso(event.occurred_at),
        "group_id": event.request_log_id,
    }


def redeemable_json(voucher: Voucher, now: datetime) -> dict:
    """One ``CustomerRedeemable``: a voucher the customer holds (its id is the voucher's, the cursor of
    the list), with its state now."""
    campaign = voucher.campaign
    return {
        "id": voucher.id,
        "created_at": iso(voucher.created_at),
        "redeemable_id": voucher.id,
        "redeemable_object": "voucher",
        "customer_id": voucher.holder_id,
        "holder_role": "OWNER",
        "campaign_id": campaign.id if campaign else None,
        "campaign_type": campaign.campaign_type if campaign else None,
        "voucher_type": voucher.type if voucher.type in VoucherType.values else None,
        "redeemable": {"type": "voucher", "voucher": voucher_json(voucher), "status": redeemable_status(voucher, now)},
    }
