"""CampaignsApi.get_campaign_summary through the official SDK: its model reads flat integers, and the period
travels as start_date / end_date."""

from datetime import UTC, datetime, timedelta

import pytest
import voucherify as V

from redemptions.services.redemption import redeem
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sdk_reads_a_campaign_summary_for_a_period(sdk):
    campaign = make_campaign(name="SDK summary")
    make_voucher(code="SDK-S1", campaign=campaign, discount_type="AMOUNT", percent_off=None, amount_off=500)
    order = {"amount": 4_000, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 4_000}]}
    redeem(stack(redeemables=[{"object": "voucher", "id": "SDK-S1"}], order=order), caller=Caller.system("test"))
    today = datetime.now(UTC).date()

    summary = V.CampaignsApi(sdk).get_campaign_summary(
        campaign.pk, start_date=today - timedelta(days=6), end_date=today
    )

    assert summary.object == "campaign_summary"
    assert (summary.redemptions, summary.redemptions_succeeded, summary.redemptions_failed) == (1, 1, 0)
    assert (summary.orders_amount, summary.discounted_amount, summary.vouchers_created) == (4_000, 500, 1)

    before = V.CampaignsApi(sdk).get_campaign_summary(campaign.pk, end_date=today - timedelta(days=1))
    assert before.redemptions == 0 and before.vouchers_created == 0


def test_the_sdk_reads_a_gift_card_campaign_summary(sdk):
    gift = make_campaign(name="SDK gifts", campaign_type="GIFT_VOUCHERS")
    make_gift_card(amount=10_000, code="SDK-G1", campaign=gift)

    summary = V.CampaignsApi(sdk).get_campaign_summary("SDK gifts")

    assert summary.created_vouchers_amount == 10_000 and summary.amount_redeemed == 0
