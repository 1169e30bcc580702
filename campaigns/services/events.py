"""The audit events of campaigns, vouchers and customers (written in the caller's transaction)."""

from auditlog.services import record_event
from voucherhub.caller import Caller

from ..models import (
    Campaign,
    Customer,
    PromotionStack,
    PromotionTier,
    Voucher,
)


def customer_event(event_type: str, customer: Customer, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="customer",
        resource_id=customer.id,
        customer_id=customer.id,
        data={"source_id": customer.source_id, **data},
    )


def voucher_event(event_type: str, voucher: Voucher, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="voucher",
        resource_id=voucher.id,
        campaign_id=voucher.campaign_id,
        data={"code": voucher.code, **data},
    )


def campaign_event(event_type: str, campaign: Campaign, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="campaign",
        resource_id=campaign.id,
        campaign_id=campaign.id,
        data={"name": campaign.name, **data},
    )


def tier_event(event_type: str, tier: PromotionTier, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="promotion_tier",
        resource_id=tier.id,
        campaign_id=tier.campaign_id,
        data={"name": tier.name, **data},
    )


def stack_event(event_type: str, stack: PromotionStack, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="promotion_stack",
        resource_id=stack.id,
        campaign_id=stack.campaign_id,
        data={"name": stack.name, **data},
    )
