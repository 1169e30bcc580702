"""Custom events (``POST /v1/events``): what a shop's customer did, by a name of the shop's own ("signed
up", "wrote a review"). The customer is found or created as every call finds them (campaigns.services.
customers); the event is written to the audit trail (``customer.custom_event``, in the customer's activity)
and earns the loyalty points the programs' rules on its name give (loyalty.services.event_earning); one
naming a referral converts it where the program's conversion event is this one (referrals.services.
conversion), all in one transaction."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from campaigns.models import Customer
from campaigns.services.customers import upsert_customer
from loyalty.services.event_earning import earn_for_event
from referrals.services.conversion import convert_by_event
from voucherhub.caller import Caller

CUSTOM_EVENT = "customer.custom_event"


@dataclass(frozen=True)
class CustomEvent:
    name: str
    customer: dict[str, Any]  # id or source_id, and any fields to store (as upsert_customer takes them)
    loyalty_code: str | None = None  # the loyalty card to earn points on (default: every card that may)
    referral_code: str | None = None  # the referral the event converts (referrals.services.conversion)
    referrer_id: str | None = None  # or the referrer whose codes it converts (id or source_id)
    metadata: dict[str, Any] = field(default_factory=dict)


def track_custom_event(event: CustomEvent, *, caller: Caller) -> tuple[Customer, int]:
    """Records ``event``; returns its customer and the points it earned."""
    with transaction.atomic():
        customer = upsert_customer(caller=caller, **event.customer)
        record_event(CUSTOM_EVENT, caller=caller, resource_type="customer", resource_id=customer.pk,
                     customer_id=customer.pk, data={"event": event.name, "metadata": event.metadata,
                                                    "loyalty_code": event.loyalty_code})  # fmt: skip
        earned = earn_for_event(event.name, customer, caller=caller, metadata=event.metadata, code=event.loyalty_code)
        if event.referral_code or event.referrer_id:
            convert_by_event(event.name, customer, code=event.referral_code, referrer=event.referrer_id,
                             caller=caller)  # fmt: skip
        return customer, sum(entry.points for entry in earned)
