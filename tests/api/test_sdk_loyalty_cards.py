"""Loyalty programs through the official SDK (LoyaltiesApi): a program is created, read, listed, changed and
deleted; customers join it (one card each, starting with the program's points); points are added, removed
(never below zero) and transferred between cards, each change a ledger row the card's transactions list
shows, the ledger adding up to the balance."""

import json

import pytest
import voucherify as V
from django.db.models import Sum
from voucherify import models as M
from voucherify.exceptions import ApiException, NotFoundException

from auditlog.models import Event
from campaigns.models import Campaign, Voucher
from loyalty.models import LoyaltyCard, PointsTransaction
from loyalty.services.programs import issue_cards
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)


def program(sdk, name="Club", points=100) -> M.LoyaltiesCreateCampaignResponseBody:
    body = {
        "name": name,
        "campaign_type": "LOYALTY_PROGRAM",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": points}, "code_config": {"prefix": "CLUB-"}},
    }
    return V.LoyaltiesApi(sdk).create_loyalty_program(M.LoyaltiesCreateCampaignRequestBody.from_dict(body))


def join(sdk, campaign_id: str, source_id: str):
    body = M.LoyaltiesMembersCreateRequestBody.from_dict({"customer": {"source_id": source_id}})
    return V.LoyaltiesApi(sdk).add_member(campaign_id, body)


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, json.loads(refused.value.body)


def test_a_program_is_created_read_listed_updated_and_deleted(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    made = program(sdk)
    assert made.campaign_type == "LOYALTY_PROGRAM" and made.join_once is True
    assert (made.voucher.type, made.voucher.loyalty_card.points) == ("LOYALTY_CARD", 100)
    assert loyalties.get_loyalty_program(made.id).name == "Club"

    listed = loyalties.list_loyalty_programs(limit=10)
    assert [c.id for c in listed.campaigns] == [made.id] and listed.total == 1
    changed = loyalties.update_loyalty_program(
        made.id, M.LoyaltiesUpdateCampaignRequestBody.from_dict({"description": "Points for every purchase"})
    )
    assert changed.description == "Points for every purchase"

    loyalties.delete_loyalty_program(made.id)
    with pytest.raises(NotFoundException):
        loyalties.get_loyalty_program(made.id)


def test_customers_join_once_with_the_programs_starting_points(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk)
    ann = join(sdk, club.id, "ann")
    assert ann.code.startswith("CLUB-") and ann.type == "LOYALTY_CARD"
    assert (ann.loyalty_card.points, ann.loyalty_card.balance) == (100, 100)
    assert join(sdk, club.id, "ann").code == ann.code  # one card per member
    join(sdk, club.id, "bob")

    members = loyalties.list_members(club.id)
    assert members.total == 2 and [m.code for m in members.vouchers][1] == ann.code  # newest first
    assert loyalties.get_member(ann.code).loyalty_card.balance == 100
    assert loyalties.get_member1(club.id, ann.code).code == ann.code
    starting = PointsTransaction.objects.get(card__voucher__code=ann.code)
    assert (starting.type, starting.points, starting.reason) == (
        "POINTS_ADDITION",
        100,
        "The program's starting points",
    )


def test_points_are_added_removed_and_never_go_below_zero(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk, points=0)
    card = join(sdk, club.id, "ann").code

    added = loyalties.update_loyalty_card_balance(
        card, M.LoyaltiesMembersBalanceUpdateRequestBody(points=250, reason="Welcome bonus", source_id="crm-1")
    )
    assert (added.points, added.total, added.balance, added.type, added.operation_type) == (
        250, 250, 250, "loyalty_card", "MANUAL",
    )  # fmt: skip
    removed = loyalties.update_loyalty_card_balance1(
        club.id, card, M.LoyaltiesMembersBalanceUpdateRequestBody(points=-200, reason="Correction")
    )
    assert (removed.points, removed.balance) == (-200, 50)

    status, error = refusal(
        lambda: loyalties.update_loyalty_card_balance(card, M.LoyaltiesMembersBalanceUpdateRequestBody(points=-51))
    )
    assert (status, error["key"]) == (400, "not_enough_points")
    status, error = refusal(
        lambda: loyalties.update_loyalty_card_balance(card, M.LoyaltiesMembersBalanceUpdateRequestBody(points=0))
    )
    assert (status, error["key"]) == (400, "invalid_payload")

    history = loyalties.list_loyalty_card_transactions(card, limit=1)
    assert [t.type for t in history.data] == ["POINTS_REMOVAL"] and history.has_more is True
    older = loyalties.list_loyalty_card_transactions1(
        club.id, card, limit=10, starting_after_id=history.more_starting_after
    )
    assert [(t.type, t.details.balance.points, t.reason) for t in older.data] == [
        ("POINTS_ADDITION", 250, "Welcome bonus")
    ]
    row = LoyaltyCard.objects.get(voucher__code=card)
    assert row.balance == 50 == PointsTransaction.objects.filter(card=row).aggregate(s=Sum("points"))["s"]
    kinds = set(Event.objects.filter(resource_id=row.pk).values_list("type", flat=True))
    assert {"voucher.loyalty_card.points_aded", "voucher.loyalty_card.points_removed"} <= kinds


def test_points_move_between_cards_all_or_nothing(sdk):
    loyalties = V.LoyaltiesApi(sdk)
    club = program(sdk, points=100)
    ann, bob, cid = (join(sdk, club.id, who).code for who in ("ann", "bob", "cid"))

    moved = loyalties.transfer_points(
        club.id, ann, [M.LoyaltiesTransferPoints(code=bob, points=60, reason="Family pooling")]
    )
    assert moved.code == ann and moved.loyalty_card.balance == 160
    assert loyalties.get_member(bob).loyalty_card.balance == 40

    status, error = refusal(
        lambda: loyalties.transfer_points(
            club.id,
            ann,
            [M.LoyaltiesTransferPoints(code=cid, points=10), M.LoyaltiesTransferPoints(code=bob, points=41)],
        )
    )
    assert (status, error["key"]) == (400, "not_enough_points")
    assert loyalties.get_member(cid).loyalty_card.balance == 100  # the first part went back too
    everything = loyalties.list_loyalty_campaign_transactions(club.id, limit=2)
    assert [t.type for t in everything.data] == ["POINTS_TRANSFER_IN", "POINTS_TRANSFER_OUT"]
    rest = loyalties.list_loyalty_campaign_transactions(
        club.id, limit=10, starting_after_id=everything.more_starting_after
    )
    assert [t.type for t in rest.data] == ["POINTS_ADDITION"] * 3 and rest.has_more is False  # the starting points
    out = PointsTransaction.objects.get(card__voucher__code=bob, type="POINTS_TRANSFER_OUT")
    assert out.related_transaction.card.voucher.code == ann and out.related_transaction.related_transaction_id == out.pk


def test_a_loyalty_card_is_no_discount_code(api, sdk):
    club = program(sdk)
    card = join(sdk, club.id, "ann").code
    answer = api.post("/v1/redemptions", {"redeemables": [{"object": "voucher", "id": card}], "order": {"amount": 100}})
    assert (answer.status_code, answer.json()["key"]) == (400, "invalid_redeemables")
    assert Voucher.objects.get(code=card).redeemed_quantity == 0


def test_a_member_is_given_a_named_card_of_the_program(sdk):
    club = program(sdk, points=10)
    issue_cards(Campaign.objects.get(pk=club.id), 1, caller=Caller("API", "test"), codes=["CLUB-PRINTED-1"])
    body = {"customer": {"source_id": "dan"}, "voucher": "CLUB-PRINTED-1"}
    member = V.LoyaltiesApi(sdk).add_member(club.id, M.LoyaltiesMembersCreateRequestBody.from_dict(body))
    assert (member.code, member.loyalty_card.balance) == ("CLUB-PRINTED-1", 10)
    assert Voucher.objects.get(code="CLUB-PRINTED-1").holder.source_id == "dan"
    body = {"customer": {"source_id": "eve"}, "voucher": "NOT-A-CARD"}
    status, error = refusal(
        lambda: V.LoyaltiesApi(sdk).add_member(club.id, M.LoyaltiesMembersCreateRequestBody.from_dict(body))
    )
    assert (status, error["key"], error["resource_type"]) == (404, "not_found", "loyalty_card")
