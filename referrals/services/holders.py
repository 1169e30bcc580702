"""A referral code's holders: the referees it is shared with (``ReferralsApi`` add, list and remove holders).
Its referrer holds it by publication (campaigns.services.publications). Adding holders upserts the customers
and adds them all or none; a customer already a holder stays one (with the metadata sent merged); the
code's own referrer cannot be its referee. Events ``redeemable_holder.created`` and ``.deleted``."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from auditlog.services import record_event
from campaigns.services.customers import upsert_customer
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import CodeHolder

MAX_HOLDERS_PER_CALL = 100


def add_holders(*, caller: Caller, code: str, campaign: str | None, customers: list[dict[str, Any]],
                metadata: dict[str, Any]) -> list[CodeHolder]:  # fmt: skip
    with transaction.atomic():
        voucher = queries.find_code(code, campaign=campaign, for_update=True)
        holders = []
        for fields in customers:
            customer = upsert_customer(caller=caller, **fields)
            if customer.pk == voucher.holder_id:
                raise DomainError("invalid_payload", "Invalid payload",
                                  f"Customer {customer.source_id or customer.pk} is the referrer of {voucher.code}: "
                                  "a customer cannot be their own referee")  # fmt: skip
            holder, created = CodeHolder.objects.get_or_create(
                voucher=voucher, customer=customer, defaults={"metadata": metadata, "created_at": timezone.now()}
            )
            if not created and metadata:
                holder.metadata = {**holder.metadata, **metadata}
                holder.save(update_fields=["metadata"])
            if created:
                _event("redeemable_holder.created", holder, caller)
            holders.append(holder)
        return holders


def remove_holder(*, caller: Caller, code: str, campaign: str | None, holder_id: str) -> None:
    with transaction.atomic():
        voucher = queries.find_code(code, campaign=campaign, for_update=True)
        holder = queries.find_holder(voucher, holder_id)
        _event("redeemable_holder.deleted", holder, caller)
        holder.delete()


def _event(event_type: str, holder: CodeHolder, caller: Caller) -> None:
    record_event(event_type, caller=caller, resource_type="voucher", resource_id=holder.voucher_id,
                 campaign_id=holder.voucher.campaign_id, customer_id=holder.customer_id,
                 data={"holder_id": holder.pk, "code": holder.voucher.code, "holder_role": "REFEREE"})  # fmt: skip
