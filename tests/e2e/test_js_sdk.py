"""The platform's official JavaScript SDK (npm ``@voucherify/sdk``, unchanged) drives a checkout against a
live server, in node: a customer, a publication, a stacked validation and the single-code one, the
promotions an order qualifies for, a stacked
redemption with a gift card and its rollback, a single-code redemption and a refused one, then the voucher,
the order, the customer's activity and publications as the shop reads them back.

``make test`` installs the SDK (``make js-sdk``: npm ci in tests/e2e/js); without node or the SDK this test
is skipped, saying how to install them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from campaigns.models import CampaignType, PromotionTier
from tests.factories import make_campaign, make_gift_card, make_voucher
from voucherhub.services import create_api_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).parent / "js"
SDK = HERE / "node_modules" / "@voucherify" / "sdk" / "package.json"


def test_a_checkout_with_the_javascript_sdk(live_server):
    node = shutil.which("node")
    if node is None or not SDK.exists():
        pytest.skip("the JavaScript SDK test needs node and the SDK: install node and npm, then run `make js-sdk`")
    coupons = make_campaign(name="JS coupons")
    for i in range(3):
        make_voucher(code=f"JS-{i}", campaign=coupons, percent_off=10, redemption_quantity=None)
    make_gift_card(
        code="JS-GIFT", amount=5_000, campaign=make_campaign(name="JS gifts", campaign_type=CampaignType.GIFT_VOUCHERS)
    )
    promo = make_campaign(name="JS promo", campaign_type=CampaignType.PROMOTION)
    PromotionTier.objects.create(campaign=promo, name="5% off", position=1, discount_type="PERCENT", percent_off=5)
    key, token = create_api_key(name="JS shop")
    env = {
        **os.environ,
        "VOUCHERHUB_URL": live_server.url,
        "VOUCHERHUB_APP_ID": key.app_id,
        "VOUCHERHUB_APP_TOKEN": token,
    }

    run = subprocess.run([node, "checkout.mjs"], cwd=HERE, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)

    code = seen["publication"]["voucher"]["code"]
    assert code == "JS-0" and seen["customer"]["source_id"] == "js-ann"
    assert seen["validation"]["valid"] is True and seen["validation"]["order"]["total_applied_discount_amount"] == 1_000
    assert seen["single"]["valid"] is True and seen["single"]["code"] == code
    assert seen["single"]["discount"]["percent_off"] == 10
    assert [(p["name"], p["discount_amount"]) for p in seen["promotions"]["promotions"]] == [("5% off", 500)]
    redeemed = seen["redemption"]
    assert [r["result"] for r in redeemed["redemptions"]] == ["SUCCESS", "SUCCESS"]
    assert redeemed["order"]["total_amount"] == 10_000 - 1_000 - 2_000
    assert [r["status"] for r in seen["rollback"]["rollbacks"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert seen["redeemedOne"]["object"] == "redemption" and seen["redeemedOne"]["result"] == "SUCCESS"
    assert seen["refused"]["code"] == 404 and seen["refused"]["key"] == "not_found"
    assert seen["voucher"]["code"] == code and seen["voucher"]["holder_id"] == seen["customer"]["id"]
    assert seen["order"]["source_id"] == "js-order-1" and seen["order"]["status"] == "CANCELED"
    types = [activity["type"] for activity in seen["activity"]["data"]]
    assert types[0] == "customer.redemption.succeeded" and "customer.publication.succeeded" in types
    assert [p["vouchers"] for p in seen["publications"]["publications"]] == [[code]]
