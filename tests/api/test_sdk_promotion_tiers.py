"""Updating, enabling, disabling and deleting a promotion tier through the official SDK (PromotionsApi)."""

import json

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException, NotFoundException

from auditlog.models import Event
from campaigns.models import PromotionTier
from redemptions.services.redemption import redeem
from tests.factories import stack
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tier_is_updated_disabled_enabled_and_deleted_through_the_sdk(sdk):
    promotions = V.PromotionsApi(sdk)
    tier = make_tier(name="Ten off", percent_off=10)
    other = make_tier(campaign=tier.campaign, name="Five off")

    updated = promotions.update_promotion_tier(
        tier.pk,
        V.PromotionsTiersUpdateRequestBody(
            name="Fifteen off",
            banner="15% off everything",
            action=V.PromotionsTiersUpdateRequestBodyAction(discount=V.Discount(type="PERCENT", percent_off=15)),
            metadata={"season": "winter"},
        ),
    )
    assert (updated.name, updated.banner, updated.action.discount.percent_off) == (
        "Fifteen off",
        "15% off everything",
        15,
    )
    assert updated.metadata == {"season": "winter"} and updated.hierarchy == tier.position

    with pytest.raises(BadRequestException) as taken:
        promotions.update_promotion_tier(tier.pk, V.PromotionsTiersUpdateRequestBody(hierarchy=other.position))
    assert json.loads(taken.value.body)["details"] == f"Tier hierarchy {other.position} is already used"

    assert promotions.disable_promotion_tier(tier.pk).active is False
    assert promotions.get_promotion_tier(tier.pk).active is False
    assert promotions.enable_promotion_tier(tier.pk).active is True

    promotions.delete_promotion_tier(tier.pk)
    with pytest.raises(NotFoundException):
        promotions.get_promotion_tier(tier.pk)
    kinds = list(Event.objects.filter(resource_id=tier.pk).order_by("occurred_at").values_list("type", flat=True))
    assert kinds == [
        "promotion_tier.updated",
        "promotion_tier.disabled",
        "promotion_tier.enabled",
        "promotion_tier.deleted",
    ]


def test_a_redeemed_tier_cannot_be_deleted_and_says_to_disable_it(sdk):
    tier = make_tier(name="Used")
    order = {"amount": 1_000, "items": [{"sku_id": "s", "quantity": 1, "price": 1_000}]}
    redeem(stack(redeemables=[{"object": "promotion_tier", "id": tier.pk}], order=order), caller=Caller.system("t"))

    with pytest.raises(BadRequestException) as refused:
        V.PromotionsApi(sdk).delete_promotion_tier(tier.pk)

    error = json.loads(refused.value.body)
    assert error["key"] == "promotion_tier_redeemed"
    assert error["details"] == "Promotion tier Used has redemptions, which keep naming it: disable it instead"
    assert PromotionTier.objects.filter(pk=tier.pk).exists()
