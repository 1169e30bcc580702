"""Wire shapes of campaign objects. The SDK parses these strictly: ints stay
ints, enums stay in their sets, and optional values are omitted or null rather than invented."""

from urllib.parse import quote

from stacking.serializers import category_json
from voucherhub.wire import gift_transaction_type, iso, list_json

from .models import (
    Campaign,
    CampaignType,
    Customer,
    PromotionStack,
    PromotionTier,
    Publication,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherGenerationJob,
    VoucherTransaction,
    VoucherType,
)
from .services.requests import Discount as DiscountValue


def discount_json(obj) -> dict | None:
    """The discount of a voucher or promotion tier row in the platform's shape (None when it has none)."""
    discount = DiscountValue.from_columns(obj)
    return discount.stored() if discount is not None else None


def assignments_json(assignments: list[ValidationRuleAssignment]) -> dict:
    data = [
        {
            "id": a.id,
            "rule_id": a.rule_id,
            "related_object_id": a.related_object_id,
            "related_object_type": a.related_object_type,
            "created_at": iso(a.created_at),
            "object": "validation_rules_assignment",
        }
        for a in assignments
    ]
    return list_json("data", data)


def is_referral_code(campaign: Campaign | None) -> bool:
    return campaign is not None and campaign.campaign_type == CampaignType.REFERRAL_PROGRAM


def voucher_json(voucher: Voucher, *, assignments: list[ValidationRuleAssignment] | None = None) -> dict:
    """The voucher object. Reads ``campaign`` and ``category`` (select_related them for lists)."""
    campaign = voucher.campaign
    category = voucher.category
    code = quote(voucher.code, safe="")
    body = {
        "id": voucher.id,
        "code": voucher.code,
        "campaign": campaign.name if campaign else None,
        "campaign_id": campaign.id if campaign else None,
        "category": category.name if category else None,
        "category_id": category.id if category else None,
        "categories": [category_json(category)] if category else [],
        "type": voucher.type,
        "discount": discount_json(voucher),
        "gift": None,
        "start_date": iso(voucher.start_date),
        "expiration_date": iso(voucher.expiration_date),
        "validity_day_of_week": None,
        "active": voucher.active,
        "metadata": voucher.metadata,
        "assets": None,
        "is_referral_code": is_referral_code(campaign),
        "holder_id": voucher.holder_id,
        "created_at": iso(voucher.created_at),
        "updated_at": iso(voucher.updated_at),
        "validation_rules_assignments": assignments_json(assignments or []),
        "redemption": {
            "quantity": voucher.redemption_quantity,
            "redeemed_quantity": voucher.redeemed_quantity,
            "redeemed_amount": voucher.redeemed_amount,
            "object": "list",
            "url": f"/v1/vouchers/{code}/redemptions?page=1&limit=10",
        },
        "publish": {"object": "list", "count": 0, "url": f"/v1/vouchers/{code}/publications?page=1&limit=10"},
        "object": "voucher",
    }
    if voucher.type == VoucherType.GIFT_VOUCHER:
        body["gift"] = {
            "amount": voucher.gift_amount or 0,
            "balance": voucher.gift_balance or 0,
            "effect": voucher.gift_effect or "APPLY_TO_ORDER",
        }
    return body


def customer_json(customer: Customer | None) -> dict | None:
    """A customer as embedded in redemptions, validations and orders."""
    if customer is None:
        return None
    return {
        "id": customer.id,
        "source_id": customer.source_id,
        "name": customer.name or None,
        "email": customer.email or None,
        "metadata": customer.metadata,
        "object": "customer",
    }


def tier_json(tier: PromotionTier, *, assignments: list[ValidationRuleAssignment] | None = None) -> dict:
    """A promotion tier. Reads ``campaign`` and ``category``."""
    return {
        "id": tier.id,
        "name": tier.name,
        "banner": tier.banner or None,
        "action": {"discount": discount_json(tier)},
        "metadata": tier.metadata,
        "hierarchy": tier.position,
        "campaign": {
            "id": tier.campaign_id,
            "name": tier.campaign.name,
            "active": tier.campaign.active,
            "object": "campaign",
        },
        "campaign_id": tier.campaign_id,
        "active": tier.active,
        "start_date": iso(tier.start_date),
        "expiration_date": iso(tier.expiration_date),
        "category_id": tier.category_id,
        "categories": [category_json(tier.category)] if tier.category_id else [],
        "validation_rule_assignments": assignments_json(assignments or []),
        "created_at": iso(tier.created_at),
        "updated_at": iso(tier.updated_at),
        "object": "promotion_tier",
    }


def stack_json(stack: PromotionStack) -> dict:
    """A promotion stack with its tiers' ids in order. Reads ``category`` and the prefetched ``members``."""
    return {
        "id": stack.id,
        "name": stack.name,
        "tiers": {"ids": [member.tier_id for member in stack.members.all()], "hierarchy_mode": "MANUAL"},
        "campaign_id": stack.campaign_id,
        "category_id": stack.category_id,
        "categories": [category_json(stack.category)] if stack.category_id else [],
        "created_at": iso(stack.created_at),
        "updated_at": iso(stack.updated_at),
        "object": "promotion_stack",
    }


def assignment_json(assignment: ValidationRuleAssignment) -> dict:
    """One validation rule assignment (``asgm_``)."""
    return {
        "id": assignment.id,
        "rule_id": assignment.rule_id,
        "related_object_id": assignment.related_object_id,
        "related_object_type": assignment.related_object_type,
        "created_at": iso(assignment.created_at),
        "object": "validation_rules_assignment",
    }


def customer_full_json(customer: Customer) -> dict:
    """The customer object of ``/v1/customers``. ``summary`` is left out: the SDK requires both of its
    halves (redemptions and orders) whenever it is present."""
    return {
        **customer_json(customer),
        "description": customer.description or None,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }


def campaign_json(
    campaign: Campaign,
    *,
    vouchers_count: int,
    assignments: list[ValidationRuleAssignment] | None = None,
    tiers: list[PromotionTier] | None = None,
) -> dict:
    """The campaign object. Reads ``category``; ``tiers`` (PROMOTION campaigns) need ``campaign``,
    ``category`` and ``rule_assignments`` loaded (campaigns.queries prefetches them).
    ``voucher.code_config`` is always an object: the SDK requires it."""
    category = campaign.category
    body = {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description or None,
        "campaign_type": campaign.campaign_type,
        "type": campaign.type,
        "auto_join": False,
        "join_once": False,
        "vouchers_count": vouchers_count,
        "start_date": iso(campaign.start_date),
        "expiration_date": iso(campaign.expiration_date),
        "active": campaign.active,
        "metadata": campaign.metadata,
        "created_at": iso(campaign.created_at),
        "updated_at": iso(campaign.updated_at),
        "category": category.name if category else None,
        "category_id": category.id if category else None,
        "categories": [category_json(category)] if category else [],
        "creation_status": campaign.creation_status,
        "vouchers_generation_status": campaign.creation_status,
        "protected": False,
        "validation_rules_assignments": assignments_json(assignments or []),
        "object": "campaign",
    }
    template = campaign.voucher_template or {}
    if template:
        voucher = {key: template[key] for key in ("type", "discount", "gift", "redemption") if key in template}
        voucher["code_config"] = template.get("code_config") or {}
        body["voucher"] = voucher
    if campaign.campaign_type == CampaignType.REFERRAL_PROGRAM:
        body["referral_program"] = campaign.referral_program
    if tiers is not None:
        body["promotion"] = {
            "object": "list",
            "data_ref": "tiers",
            "tiers": [tier_json(tier, assignments=list(tier.rule_assignments.all())) for tier in tiers],
            "total": len(tiers),
            "has_more": False,
        }
    return body


def segment_json(segment: Segment) -> dict:
    return {
        "id": segment.id,
        "name": segment.name,
        "type": segment.type,
        "filter": segment.filter if segment.type == Segment.Type.AUTO_UPDATE else None,
        "created_at": iso(segment.created_at),
        "initial_sync_status": "DONE",
        "object": "segment",
    }


def validation_rule_json(rule: ValidationRule, *, assignments_count: int) -> dict:
    """The rule as stored (``rules`` in the platform's shape, unchanged); the SDK's defaults for
    ``type`` and ``context_type`` are the only ones VoucherHub has."""
    return {
        "id": rule.id,
        "name": rule.name,
        "rules": rule.rules,
        "error": {"message": rule.error_message} if rule.error_message else None,
        "applicable_to": rule.applicable_to or {"included": [], "excluded": [], "included_all": False},
        "type": "expression",
        "context_type": "global",
        "assignments_count": assignments_count,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "object": "validation_rules",
    }


def balance_json(voucher: Voucher, amount: int) -> dict:
    """The answer of ``POST /v1/vouchers/{code}/balance``."""
    return {
        "amount": amount,
        "total": voucher.gift_amount or 0,
        "balance": voucher.gift_balance or 0,
        "type": "gift_voucher",
        "operation_type": "MANUAL",
        "object": "balance",
        "related_object": {"id": voucher.id, "type": "voucher"},
    }


def transaction_json(tx: VoucherTransaction, voucher: Voucher) -> dict:
    """One gift-card transaction of ``GET /v1/vouchers/{code}/transactions`` (the SDK's VoucherTransaction)."""
    manual = tx.source in (VoucherTransaction.Source.MANUAL, VoucherTransaction.Source.CREATION)
    details: dict = {
        "balance": {
            "type": "gift_voucher",
            "object": "balance",
            "amount": tx.amount,
            "balance": tx.balance_after,
            "operation_type": "MANUAL" if manual else "AUTOMATIC",
            "related_object": {"id": voucher.id, "type": "voucher"},
        }
    }
    if tx.related_object_id and tx.source == VoucherTransaction.Source.REDEMPTION:
        details["redemption"] = {"id": tx.related_object_id}
    if tx.related_object_id and tx.source == VoucherTransaction.Source.ROLLBACK:
        details["rollback"] = {"id": tx.related_object_id}
    return {
        "id": tx.id,
        "source_id": None,
        "voucher_id": voucher.id,
        "campaign_id": voucher.campaign_id,
        "source": None,
        "reason": tx.reason or None,
        "related_transaction_id": None,
        "created_at": iso(tx.created_at),
        "details": details,
        "type": gift_transaction_type(tx.source, tx.amount),
    }


def publication_json(publication: Publication, vouchers: list[Voucher]) -> dict:
    """The answer of ``POST /v1/publications``: one voucher in full under ``voucher``, several by their
    codes under ``vouchers``; ``channel`` is "API" (the SDK accepts no other there; the list shows the
    channel the caller named)."""
    customer = publication.customer
    body = {
        "id": publication.id,
        "object": "publication",
        "created_at": iso(publication.created_at),
        "customer_id": publication.customer_id,
        "tracking_id": customer.source_id if customer else None,
        "metadata": publication.metadata,
        "channel": "API",
        "source_id": publication.source_id,
        "result": publication.result,
        "customer": customer_full_json(customer) if customer else None,
        "vouchers_id": [v.id for v in vouchers],
    }
    if len(vouchers) == 1:
        body["voucher"] = voucher_json(vouchers[0])
    else:
        body["vouchers"] = [v.code for v in vouchers]
    return body


def publication_item_json(publication: Publication, vouchers: list[Voucher]) -> dict:
    """A publication in ``GET /v1/publications``: its codes, and a FAILURE's reason."""
    customer = publication.customer
    body = {
        "id": publication.id,
        "object": "publication",
        "created_at": iso(publication.created_at),
        "customer_id": publication.customer_id,
        "tracking_id": customer.source_id if customer else None,
        "metadata": publication.metadata,
        "channel": publication.channel,
        "source_id": publication.source_id,
        "customer": customer_full_json(customer) if customer else None,
        "vouchers": list(publication.codes),
        "vouchers_id": [v.id for v in vouchers],
        "result": publication.result,
    }
    if vouchers:
        first = vouchers[0]
        body["voucher"] = {
            "code": first.code,
            "object": "voucher",
            "campaign": first.campaign.name if first.campaign else None,
            "discount": discount_json(first),
            "is_referral_code": is_referral_code(first.campaign),
        }
        if first.type == VoucherType.GIFT_VOUCHER:
            body["voucher"]["gift"] = {"amount": first.gift_amount or 0, "balance": first.gift_balance or 0}
    if publication.result == Publication.Result.FAILURE:
        body.update(failure_code=publication.failure_code, failure_message=publication.failure_message)
    return body


# The platform's words for a job's state (it says ENQUEUED where a job waits for a worker).
_ACTION_STATUS = {"SCHEDULED": "ENQUEUED", "IN_PROGRESS": "IN_PROGRESS", "DONE": "DONE", "FAILED": "FAILED"}
_OPERATION_STATUS = {"DONE": "SUCCESS", "FAILED": "FAILED"}


def async_action_json(action, *, with_result: bool = True) -> dict:
    """An async action: a bulk change (AsyncAction) or a voucher generation job, with its result when done."""
    is_generation = isinstance(action, VoucherGenerationJob)
    progress = (action.done * 100 // action.total) if is_generation else action.progress
    elapsed = (action.finished_at - action.created_at) if action.finished_at else None
    body = {
        "id": action.id,
        "type": "CAMPAIGN.VOUCHERS_GENERATION" if is_generation else action.type,
        "status": _ACTION_STATUS.get(action.status, action.status),
        "operation_status": _OPERATION_STATUS.get(action.status, "UNKNOWN"),
        "created_at": iso(action.created_at),
        "updated_at": iso(action.finished_at or action.heartbeat_at or action.created_at),
        "request_id": action.request_log_id or None,
        "processing_time": int(elapsed.total_seconds() * 1000) if elapsed else None,
        "progress": min(progress, 100),
        "object": "async_action",
    }
    if with_result:
        if is_generation:
            body["result"] = {
                "message": f"{action.done} of {action.total} vouchers generated",
                "error": action.error or None,
            }
        else:
            body["result"] = action.result or {"message": action.error or "Not done yet"}
    return body


def bin_entry_json(entry: Campaign | Voucher) -> dict:
    """A ``TrashBinItem``: a binned campaign or voucher."""
    kind = "campaign" if isinstance(entry, Campaign) else "voucher"
    return {
        "id": f"bin_{entry.pk}",
        "created_at": iso(entry.deleted_at),
        "deleted_by_user_id": None,
        "resource_id": entry.pk,
        "resource_type": kind,
        "resource_name": entry.name if kind == "campaign" else entry.code,
        "resource_parent_id": None if kind == "campaign" else entry.campaign_id,
        "object": kind,
    }
