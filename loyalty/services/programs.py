"""Loyalty programs and their members: a LOYALTY_PROGRAM campaign (campaigns.services.campaigns) whose
cards are LOYALTY_CARD vouchers, each with its points row and, when it starts with points, the ledger row
that put them there.

A member is a customer holding one of the program's cards: adding a member gives them a new card (its
code from the program's code config) through a publication, or answers the card they already hold (one
card per member and program; the customer's row lock orders parallel calls for one customer)."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignType, Customer, Voucher, VoucherType
from campaigns.services.campaigns import create_campaign
from campaigns.services.codes import generate_codes, template_code_config
from campaigns.services.customers import upsert_customer
from campaigns.services.publications import publish
from campaigns.services.requests import CodeConfig, PublicationRequest, VoucherTemplate
from campaigns.services.vouchers import new_voucher, save_vouchers
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found

from .. import queries
from ..models import LoyaltyCard, PointsBucket, PointsTransaction, PointsType
from . import expiration
from .points import ledger_source

STARTING_POINTS = "The program's starting points"


def create_program(
    *,
    caller: Caller,
    name: str,
    points: int = 0,
    code_config: CodeConfig | None = None,
    expiration_rules: dict | None = None,
    **fields: Any,
) -> Campaign:
    """A loyalty program: cards start with ``points``, which expire by ``expiration_rules`` (loyalty.services.
    expiration; none: never); ``fields`` as create_campaign takes them."""
    template = VoucherTemplate(
        type=VoucherType.LOYALTY_CARD, points=points, code_config=code_config, expiration_rules=expiration_rules
    )
    return create_campaign(
        caller=caller, name=name, campaign_type=CampaignType.LOYALTY_PROGRAM, voucher=template, **fields
    )


def issue_cards(campaign: Campaign, count: int, *, caller: Caller, codes: list[str] | None = None) -> list[LoyaltyCard]:
    """``count`` new cards of the program (``codes``, else codes from its code config), each with its
    starting points (and their ledger row), not given to anyone yet."""
    points = int(((campaign.voucher_template or {}).get("loyalty_card") or {}).get("points") or 0)
    vouchers = [
        new_voucher(
            code=code,
            kind=VoucherType.LOYALTY_CARD,
            discount=None,
            gift=None,
            campaign=campaign,
            category=campaign.category,
            start_date=campaign.start_date,
            expiration_date=campaign.expiration_date,
            active=True,
            quantity=None,
            metadata=None,
        )
        for code in codes or generate_codes(template_code_config(campaign), count)
    ]
    save_vouchers(vouchers)
    cards = LoyaltyCard.objects.bulk_create(
        LoyaltyCard(voucher=v, campaign=campaign, points=points, balance=points) for v in vouchers
    )
    if points and (rules := expiration.program_rules(campaign)):
        now = timezone.now()
        PointsBucket.objects.bulk_create(expiration.bucket_for(card, points, now, rules) for card in cards)
    if points:
        PointsTransaction.objects.bulk_create(
            PointsTransaction(
                card=card, campaign=campaign, type=PointsType.ADDITION, points=points, balance=points, total=points,
                reason=STARTING_POINTS, source=ledger_source(caller),
            )
            for card in cards
        )  # fmt: skip
    return cards


def add_member(
    *,
    caller: Caller,
    program: str,
    customer: Mapping[str, Any],
    voucher: str | None = None,
    source_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    channel: str = "API",
) -> Voucher:
    """The customer's card of the program: the one they hold, else the card ``voucher`` (one of the
    program's, given to no one yet), else a new one, published to them."""
    with transaction.atomic():
        campaign = queries.find_program(program)
        if not campaign.active:
            raise DomainError("campaign_inactive", "Campaign inactive", f"Loyalty program {campaign.name} is disabled")
        person = upsert_customer(**dict(customer), caller=caller)
        Customer.objects.select_for_update().filter(pk=person.pk).first()  # one card per member, also in parallel
        held = Voucher.objects.filter(campaign=campaign, holder=person, deleted_at__isnull=True).first()
        if held is not None:
            return held
        if voucher is not None:
            if not Voucher.objects.filter(code=voucher, campaign=campaign, deleted_at__isnull=True).exists():
                raise not_found("loyalty_card", voucher, label=f"loyalty card of {campaign.name}")
            code = voucher
        else:
            code = issue_cards(campaign, 1, caller=caller)[0].voucher.code
        request = PublicationRequest(
            customer={"id": person.pk}, voucher=code, source_id=source_id, channel=channel, metadata=metadata
        )
        return publish(request, caller=caller).vouchers[0]
