"""The hand-written statements of earning points (loyalty.statements) do what their ORM twins do: the same
rules and cards read, the same rows locked (PostgreSQL), the same figures written."""

import pytest
from django.db import transaction
from django.utils import timezone

from campaigns.models import Voucher
from loyalty import statements
from loyalty.models import EarningRule, LoyaltyCard, LoyaltyTier
from loyalty.services.earning_rules import create_rules
from loyalty.services.programs import add_member, create_program
from tests.campaigns.row_locks import locked_rows
from tests.campaigns.test_statements import fields_of
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")
FIXED = {"type": "FIXED", "points": 5}


def orm_earning_cards(customer_id: str, event: str):
    """The ORM's twin of :func:`loyalty.statements.earning_cards`."""
    rules = EarningRule.objects.select_related("campaign").filter(
        event=event,
        active=True,
        campaign__active=True,
        campaign__deleted_at__isnull=True,
        campaign__loyalty_cards__voucher__holder_id=customer_id,
        campaign__loyalty_cards__voucher__deleted_at__isnull=True,
        campaign__loyalty_cards__voucher__active=True,
    )
    found = []
    for rule in rules.order_by("created_at", "id"):
        card = (
            LoyaltyCard.objects.select_for_update(of=("self",))
            .select_related("voucher")
            .get(campaign=rule.campaign, voucher__holder_id=customer_id)
        )
        found.append((rule, card, card.voucher.code, rule.campaign.start_date, rule.campaign.expiration_date))
    return found


@pytest.fixture
def member():
    """Ann holds cards of two programs with rules (one turned off, one on another event), Bob one card."""
    programs = [create_program(caller=CALLER, name=name) for name in ("Club", "Cafe", "Closed")]
    for program in programs:
        create_rules(caller=CALLER, program=program.pk, rules=[{"event": "order.paid", "loyalty": FIXED}])
    create_rules(caller=CALLER, program=programs[0].pk, rules=[
        {"event": "order.paid", "loyalty": FIXED, "active": False},
        {"event": "customer.segment.entered", "loyalty": FIXED},
    ])  # fmt: skip
    cards = [add_member(caller=CALLER, program=p.pk, customer={"source_id": "ann"}) for p in programs]
    add_member(caller=CALLER, program=programs[0].pk, customer={"source_id": "bob"})
    Voucher.objects.filter(pk=cards[2].pk).update(active=False)  # a card turned off earns nothing
    return cards[0].holder_id, cards


def test_earning_cards_reads_what_the_orm_reads(member):
    customer, cards = member
    ours = statements.earning_cards(customer, "order.paid")
    orms = orm_earning_cards(customer, "order.paid")
    assert [(f.rule.pk, f.card.pk, f.code, f.program_start, f.program_end) for f in ours] == [
        (rule.pk, card.pk, code, start, end) for rule, card, code, start, end in orms
    ]
    assert not any(f.has_tiers for f in ours)
    LoyaltyTier.objects.create(campaign_id=cards[0].campaign_id, name="Gold", points_from=100)
    assert [f.has_tiers for f in statements.earning_cards(customer, "order.paid")] == [
        f.card.campaign_id == cards[0].campaign_id for f in ours
    ]
    assert [fields_of(f.card) for f in ours] == [fields_of(card) for _, card, *_ in orms]
    assert [fields_of(f.rule) for f in ours] == [fields_of(rule) for rule, *_ in orms]
    assert {f.card.pk for f in ours} == {cards[0].pk, cards[1].pk}
    assert statements.earning_cards("cust_nobody", "order.paid") == []


def test_credit_card_writes_what_save_writes(member):
    _, cards = member
    ours, orms = LoyaltyCard.objects.get(pk=cards[0].pk), LoyaltyCard.objects.get(pk=cards[1].pk)
    now = timezone.now()
    with transaction.atomic():
        for card in (ours, orms):
            card.points, card.balance, card.pending_points = 40, 40, 7
        statements.credit_card(ours, now)
        orms.updated_at = now
        orms.save(update_fields=["points", "balance", "pending_points", "updated_at"])
    leave_out = ("voucher_id", "campaign_id", "created_at", "updated_at")  # the cards' own; save stamps its now
    ours_row, orms_row = LoyaltyCard.objects.get(pk=ours.pk), LoyaltyCard.objects.get(pk=orms.pk)
    assert fields_of(ours_row, leave_out=leave_out) == fields_of(orms_row, leave_out=leave_out)
    assert ours_row.updated_at == now


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_earning_cards_locks_the_cards_the_orm_locks(member):
    customer, cards = member
    rows = {f"card {i}": LoyaltyCard.objects.get(pk=card.pk) for i, card in enumerate(cards)}
    ours = locked_rows(lambda: statements.earning_cards(customer, "order.paid"), rows)
    assert ours == locked_rows(lambda: orm_earning_cards(customer, "order.paid"), rows) == {"card 0", "card 1"}
