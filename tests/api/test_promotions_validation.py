"""POST /v1/promotions/validation (the JavaScript SDK's promotions.validate): the enabled promotion tiers an
order qualifies for, each with the discount it would give, and nothing written."""

import pytest

from campaigns.models import CampaignType, PromotionTier, ValidationRule, ValidationRuleAssignment
from redemptions.models import Validation
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def promotions():
    promo = make_campaign(name="Autumn promo", campaign_type=CampaignType.PROMOTION)
    ten = PromotionTier.objects.create(
        campaign=promo, name="10% off", position=1, discount_type="PERCENT", percent_off=10
    )
    big = PromotionTier.objects.create(
        campaign=promo, name="€20 off big orders", position=2, discount_type="AMOUNT", amount_off=2_000
    )
    rule = ValidationRule.objects.create(
        name="Orders from €100",
        rules={"1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [10_000]}}, "logic": "1"},
    )
    ValidationRuleAssignment.objects.create(rule=rule, promotion_tier=big)
    PromotionTier.objects.create(
        campaign=promo, name="Off", position=3, discount_type="PERCENT", percent_off=50, active=False
    )
    return {"ten": ten, "big": big}


def test_the_tiers_an_order_qualifies_for_with_their_discounts(api, promotions):
    small = api.post("/v1/promotions/validation", {"order": {"amount": 5_000}, "customer": {"source_id": "ann"}}).json()
    assert small["valid"] is True and [(p["name"], p["discount_amount"]) for p in small["promotions"]] == [
        ("10% off", 500)
    ]

    items = {"order": {"items": [{"sku_id": "s", "quantity": 3, "price": 4_000}]}}
    big = api.post("/v1/promotions/validation", items).json()
    assert [(p["id"], p["discount_amount"]) for p in big["promotions"]] == [
        (promotions["ten"].pk, 1_200),
        (promotions["big"].pk, 2_000),
    ]
    assert big["promotions"][1]["campaign"]["name"] == "Autumn promo" and big["total"] == 2
    assert not Validation.objects.exists()  # nothing written


def test_an_order_no_tier_fits_is_not_valid_and_a_bad_body_is_a_400(api, promotions):
    PromotionTier.objects.update(active=False)
    assert api.post("/v1/promotions/validation", {"order": {"amount": 5_000}}).json() == {
        "valid": False, "promotions": [], "total": 0, "object": "list"
    }  # fmt: skip
    answer = api.post("/v1/promotions/validation", {"order": {"amount": "lots"}})
    assert answer.status_code == 400 and answer.json()["key"] == "invalid_payload"
