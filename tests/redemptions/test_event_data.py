"""What the redemption services write in their events, for the sentences every page shows
(auditlog.sentences): a failed stack's attempts name the redeemable that failed the call, a tier has its
name, a rollback says the gift credits it returned and the discount it cancelled."""

import pytest

from auditlog.models import Event
from auditlog.sentences import sentence
from campaigns.models import CampaignType
from dashboard.formatting import money
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from stacking import reasons
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db
SHOP = Caller.system("shop")


def _redeem(*redeemables: dict, amount: int = 10_000):
    return redeem(stack(redeemables=list(redeemables), order={"amount": amount}), caller=SHOP)


def _event(type_: str, resource_id: str) -> Event:
    return Event.objects.get(type=type_, resource_id=resource_id)


def test_a_failed_stacks_events_say_which_redeemable_failed_it():
    make_voucher(code="SAVE10", percent_off=10)
    make_gift_card(code="CARD", amount=5_000, campaign=make_campaign(campaign_type=CampaignType.GIFT_VOUCHERS))
    tier = make_tier(name="Spring 5%", percent_off=5)
    outcome = _redeem(
        {"object": "voucher", "id": "SAVE10"},
        {"object": "promotion_tier", "id": tier.pk},
        {"object": "voucher", "id": "CARD", "gift": {"credits": 9_000}},
    )
    assert outcome.parent is not None
    attempts = {row.voucher_code or "tier": row for row in outcome.failed}
    balance = reasons.sentence("gift_amount_exceeded").rstrip(".")
    why = balance[:1].lower() + balance[1:]

    def said(row) -> str:
        return sentence(_event("redemption.failed", row.pk), reason=reasons.sentence)

    assert said(outcome.parent) == f"Stacked redemption of 3 redeemables failed: {why}."
    assert said(attempts["CARD"]) == f"Redemption of voucher CARD failed: {why}."
    assert said(attempts["SAVE10"]) == "Voucher SAVE10 not redeemed: voucher CARD failed."
    assert said(attempts["tier"]) == "Promotion tier Spring 5% not redeemed: voucher CARD failed."
    data = _event("redemption.failed", attempts["tier"].pk).data
    assert (data["failed_object"], data["failed_id"], data["name"]) == ("voucher", "CARD", "Spring 5%")
    assert "failed_id" not in _event("redemption.failed", attempts["CARD"].pk).data


def test_a_rollback_says_the_credits_it_returned_and_the_discount_it_cancelled():
    make_voucher(code="SAVE-1295", discount_type="AMOUNT", percent_off=None, amount_off=1_295)
    make_gift_card(code="CARD", amount=10_000, campaign=make_campaign(campaign_type=CampaignType.GIFT_VOUCHERS))
    discount = _redeem({"object": "voucher", "id": "SAVE-1295"}).redemptions[0]
    gift = _redeem({"object": "voucher", "id": "CARD", "gift": {"credits": 5_000}}).redemptions[0]
    for redemption in (discount, gift):
        rollback_redemption(RollbackRequest(redemption.pk), caller=SHOP)

    def said(redemption) -> str:
        return sentence(Event.objects.get(type="redemption.rollback.succeeded", data__redemption_id=redemption.pk))

    assert said(discount) == f"Redemption {discount.pk} rolled back: its {money(1_295)} discount is cancelled."
    assert said(gift) == f"Redemption {gift.pk} rolled back: {money(5_000)} returned to the gift card."
