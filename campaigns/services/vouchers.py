"""Vouchers: creation (standalone or from a campaign's template), updates, enable/disable, the bin, gift balances."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from stacking.models import Category
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, duplicate_found

from .. import queries
from ..models import (
    Campaign,
    CampaignType,
    Voucher,
    VoucherTransaction,
    VoucherType,
)
from .codes import (
    check_code,
    generate_codes,
)
from .events import voucher_event
from .requests import NO_DISCOUNT_COLUMNS, CodeConfig, Discount, Gift
from .validation_rules import assign_rule, rules_by_ids

MAX_AMOUNT = 10**15


def check_dates(start: datetime | None, end: datetime | None, key: str, message: str) -> None:
    if start and end and start > end:
        raise DomainError(key, message, "start_date must not be after expiration_date")


def discount_fields(discount: Discount | None) -> dict:
    """A discount as the model's columns (all of them, so that a change clears the others)."""
    return discount.columns() if discount is not None else dict(NO_DISCOUNT_COLUMNS)


def _gift_fields(gift: Gift | None) -> dict:
    if gift is None:
        return {"gift_amount": None, "gift_balance": None, "gift_effect": ""}
    return {"gift_amount": gift.amount, "gift_balance": gift.amount, "gift_effect": gift.effect}


def _voucher_kind(type: str | None, discount: Discount | None, gift: Gift | None) -> str:
    """The voucher type, and ``invalid_voucher`` when the value does not fit it."""
    kind = type or (VoucherType.GIFT_VOUCHER if gift and not discount else VoucherType.DISCOUNT_VOUCHER)
    if kind == VoucherType.DISCOUNT_VOUCHER and (not discount or gift):
        raise DomainError("invalid_voucher", "Invalid voucher", "A DISCOUNT_VOUCHER needs a discount and no gift")
    if kind == VoucherType.GIFT_VOUCHER and (not gift or discount):
        raise DomainError("invalid_voucher", "Invalid voucher", "A GIFT_VOUCHER needs gift.amount and no discount")
    return kind


def campaign_voucher_kind(campaign: Campaign) -> str:
    if campaign.campaign_type == CampaignType.PROMOTION:
        raise DomainError(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"Campaign {campaign.name} is a PROMOTION campaign: it has tiers, not vouchers",
            resource_id=campaign.id,
            resource_type="campaign",
        )
    if campaign.campaign_type == CampaignType.LOYALTY_PROGRAM:
        raise DomainError(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"Campaign {campaign.name} is a loyalty program: its cards come with its members",
            resource_id=campaign.id,
            resource_type="campaign",
        )
    if campaign.campaign_type == CampaignType.GIFT_VOUCHERS:
        return VoucherType.GIFT_VOUCHER
    return VoucherType.DISCOUNT_VOUCHER


def new_voucher(
    *,
    code: str,
    kind: str,
    discount: Discount | None,
    gift: Gift | None,
    campaign: Campaign | None,
    category: Category | None,
    start_date: datetime | None,
    expiration_date: datetime | None,
    active: bool,
    quantity: int | None,
    metadata: dict | None,
) -> Voucher:
    return Voucher(
        code=code,
        type=kind,
        campaign=campaign,
        category=category,
        start_date=start_date,
        expiration_date=expiration_date,
        active=active,
        redemption_quantity=quantity,
        metadata=metadata or {},
        **discount_fields(discount if kind == VoucherType.DISCOUNT_VOUCHER else None),
        **_gift_fields(gift if kind == VoucherType.GIFT_VOUCHER else None),
    )


def save_vouchers(vouchers: list[Voucher]) -> None:
    """Inserts the vouchers (``duplicate_found`` if a code is taken meanwhile) and, for gift cards,
    their CREATION transactions carrying the initial amount."""
    try:
        insert_vouchers(vouchers)
    except IntegrityError:
        taken = Voucher.objects.filter(code__in=[v.code for v in vouchers]).values_list("code", flat=True).first()
        if taken is None:
            raise  # another constraint: a bug above, not the caller's fault
        raise duplicate_found("voucher", f"A voucher with code {taken} already exists") from None


def insert_vouchers(vouchers: list[Voucher]) -> None:
    """The vouchers and their gift CREATION transactions, in a savepoint: an IntegrityError (a code taken
    meanwhile) leaves the caller's transaction usable and nothing of this insert behind."""
    with transaction.atomic():
        if len(vouchers) == 1:
            vouchers[0].save(force_insert=True)
        else:
            Voucher.objects.bulk_create(vouchers, batch_size=500)
        _create_gift_transactions(vouchers)


def _create_gift_transactions(vouchers: list[Voucher]) -> None:
    VoucherTransaction.objects.bulk_create(
        [
            VoucherTransaction(
                voucher=v,
                source=VoucherTransaction.Source.CREATION,
                amount=v.gift_amount,
                balance_after=v.gift_balance,
                created_at=v.created_at,
            )
            for v in vouchers
            if v.type == VoucherType.GIFT_VOUCHER
        ]
    )


def create_voucher(
    *,
    caller: Caller,
    code: str | None = None,
    code_config: CodeConfig | None = None,
    type: str | None = None,
    discount: Discount | None = None,
    gift: Gift | None = None,
    campaign: str | None = None,
    campaign_id: str | None = None,
    category: str | None = None,
    category_id: str | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
    active: bool | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
    validation_rules: list[str] | None = None,
) -> Voucher:
    """A standalone voucher, or one joining a campaign (its template fills what the call leaves out).

    ``code`` or a random one from ``code_config``. A gift card gets its CREATION transaction. Errors:
    ``invalid_voucher`` (code with '/', type and value disagree, dates reversed), ``not_found`` for an unknown
    campaign, category or rule, ``duplicate_found`` for a taken code. Events: ``voucher.created``.
    """
    with transaction.atomic():
        owner = queries.find_campaign(campaign_id or campaign) if (campaign_id or campaign) else None
        template = (owner.voucher_template if owner else None) or {}
        if owner is not None:
            kind = campaign_voucher_kind(owner)
            if type and type != kind:
                raise DomainError(
                    "invalid_voucher", "Invalid voucher", f"Campaign {owner.name} holds {kind}s, not {type}s"
                )
            if kind == VoucherType.DISCOUNT_VOUCHER:
                discount = discount or Discount.from_stored(template.get("discount"))
            else:
                gift = gift or Gift.from_stored(template.get("gift"))
            type = kind
        kind = _voucher_kind(type, discount, gift)
        if redemption_quantity is None:
            redemption_quantity = (template.get("redemption") or {}).get("quantity")
        if start_date is None and expiration_date is None and owner is not None:
            start_date, expiration_date = owner.start_date, owner.expiration_date
        check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
        cat = queries.category_of(category, category_id) or (owner.category if owner else None)
        rules = rules_by_ids(validation_rules)
        if code is None:
            (code,) = generate_codes(code_config or CodeConfig.from_stored(template.get("code_config")), 1)
        check_code(code)
        if Voucher.objects.filter(code=code).exists():
            raise duplicate_found("voucher", f"A voucher with code {code} already exists")
        voucher = new_voucher(
            code=code,
            kind=kind,
            discount=discount,
            gift=gift,
            campaign=owner,
            category=cat,
            start_date=start_date,
            expiration_date=expiration_date,
            active=True if active is None else active,
            quantity=redemption_quantity,
            metadata=metadata,
        )
        save_vouchers([voucher])
        voucher_event("voucher.created", voucher, caller, voucher_type=kind)
        for rule in rules:
            assign_rule(rule, caller, voucher.campaign_id, voucher=voucher)
        return voucher


def update_voucher(
    *,
    caller: Caller,
    ref: str,
    category: str | None = None,
    category_id: str | None = None,
    discount: Discount | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
    active: bool | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
) -> Voucher:
    """A partial update under the voucher's row lock. ``metadata`` replaces the stored object; a new
    ``redemption_quantity`` must cover what is redeemed and locked. Events: ``voucher.updated``."""
    with transaction.atomic():
        voucher = queries.find_voucher(ref, for_update=True)
        changed: list[str] = []
        if category or category_id:
            voucher.category = queries.category_of(category, category_id)
            changed.append("category")
        if discount is not None:
            if voucher.type != VoucherType.DISCOUNT_VOUCHER:
                raise DomainError("invalid_voucher", "Invalid voucher", "A gift card has no discount")
            for field, value in discount_fields(discount).items():
                setattr(voucher, field, value)
            changed.append("discount")
        if start_date is not None:
            voucher.start_date = start_date
            changed.append("start_date")
        if expiration_date is not None:
            voucher.expiration_date = expiration_date
            changed.append("expiration_date")
        check_dates(voucher.start_date, voucher.expiration_date, "invalid_voucher", "Invalid voucher")
        if active is not None:
            voucher.active = active
            changed.append("active")
        if metadata is not None:
            voucher.metadata = metadata
            changed.append("metadata")
        if redemption_quantity is not None:
            used = voucher.redeemed_quantity + voucher.locked_quantity
            if redemption_quantity < used:
                raise DomainError(
                    "invalid_voucher",
                    "Invalid voucher",
                    f"redemption.quantity cannot go below the {used} redemptions made or locked",
                )
            voucher.redemption_quantity = redemption_quantity
            changed.append("redemption")
        voucher.save()
        voucher_event("voucher.updated", voucher, caller, fields=changed)
        return voucher


def set_voucher_active(*, caller: Caller, ref: str, active: bool) -> Voucher:
    """Enables or disables the voucher. Events: ``voucher.enabled`` / ``voucher.disabled``."""
    with transaction.atomic():
        voucher = queries.find_voucher(ref, for_update=True)
        voucher.active = active
        voucher.save(update_fields=["active", "updated_at"])
        voucher_event("voucher.enabled" if active else "voucher.disabled", voucher, caller)
        return voucher


def delete_voucher(*, caller: Caller, ref: str, force: bool = False) -> None:
    """Without ``force`` the voucher goes to the bin (``deleted_at``; its code stays taken); with it the
    row is deleted (also from the bin): redemptions keep their code snapshot, locks and rule
    assignments go with it. Events: ``voucher.deleted``."""
    with transaction.atomic():
        voucher = queries.find_voucher(ref, include_deleted=force, for_update=True)
        voucher_event("voucher.deleted", voucher, caller, force=force)
        if force:
            voucher.delete()
        else:
            voucher.deleted_at = timezone.now()
            voucher.save(update_fields=["deleted_at", "updated_at"])


def update_gift_balance(
    *, caller: Caller, ref: str, amount: int, source_id: str | None = None, reason: str | None = None
) -> Voucher:
    """Adds ``amount`` (negative: removes) to a gift card, under its row lock.

    ``gift_amount`` and ``gift_balance`` move together, so ``balance == amount - redeemed_amount``
    keeps holding, and a MANUAL transaction records the change with the balance after it. Refuses
    (``invalid_voucher``) a card that is not a gift card, a balance that would go below zero or
    below what sessions hold locked. Events: ``voucher.balance.updated``.
    """
    with transaction.atomic():
        voucher = queries.find_voucher(ref, for_update=True)
        if voucher.type != VoucherType.GIFT_VOUCHER:
            raise DomainError(
                "invalid_voucher",
                "Invalid voucher",
                f"{voucher.code} is not a gift card",
                resource_id=voucher.id,
                resource_type="voucher",
            )
        balance = (voucher.gift_balance or 0) + amount
        total = (voucher.gift_amount or 0) + amount
        if balance < voucher.locked_credits:
            floor = "zero" if voucher.locked_credits == 0 else f"{voucher.locked_credits} held by open sessions"
            raise DomainError(
                "invalid_voucher",
                "Invalid voucher",
                f"The balance {voucher.gift_balance or 0} cannot change by {amount}: it would go below {floor}",
                resource_id=voucher.id,
                resource_type="voucher",
            )
        if total > MAX_AMOUNT:
            raise DomainError("invalid_voucher", "Invalid voucher", f"A gift card holds at most {MAX_AMOUNT}")
        voucher.gift_balance = balance
        voucher.gift_amount = total
        voucher.save(update_fields=["gift_balance", "gift_amount", "updated_at"])
        VoucherTransaction.objects.create(
            voucher=voucher,
            source=VoucherTransaction.Source.MANUAL,
            amount=amount,
            balance_after=balance,
            reason=reason or "",
        )
        voucher_event(
            "voucher.balance.updated",
            voucher,
            caller,
            amount=amount,
            balance=balance,
            source_id=source_id or "",
            reason=reason or "",
        )
        return voucher


def campaign_voucher_builder(
    campaign: Campaign,
    *,
    category: Category | None,
    metadata: dict | None,
    quantity: int | None,
    start_date: datetime | None,
    expiration_date: datetime | None,
):
    """A function making an unsaved voucher of ``campaign`` for a code: the template as it is now, what
    the call changes from it, and the campaign's dates when the call gives none."""
    kind = campaign_voucher_kind(campaign)
    template = campaign.voucher_template or {}
    if quantity is None:
        quantity = (template.get("redemption") or {}).get("quantity")
    if start_date is None and expiration_date is None:
        start_date, expiration_date = campaign.start_date, campaign.expiration_date
    check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
    discount, gift = Discount.from_stored(template.get("discount")), Gift.from_stored(template.get("gift"))

    def build(code: str) -> Voucher:
        return new_voucher(
            code=code,
            kind=kind,
            discount=discount,
            gift=gift,
            campaign=campaign,
            category=category or campaign.category,
            start_date=start_date,
            expiration_date=expiration_date,
            active=True,
            quantity=quantity,
            metadata=metadata,
        )

    return build
