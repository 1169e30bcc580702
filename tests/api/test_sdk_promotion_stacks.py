"""Promotion stacks through the official SDK (PromotionsApi's six stack calls): created from a campaign's
tiers in order, read, listed (a campaign's, and everyone's with paging and order), changed and deleted;
refusals in the error shape; and a stack redeemed as one ``promotion_stack`` redeemable standing for its
tiers."""

import json

import pytest
import voucherify as V
from voucherify import models as M
from voucherify.exceptions import ApiException, NotFoundException

from auditlog.models import Event
from campaigns.models import CampaignType, PromotionStack
from redemptions.models import Redemption
from tests.factories import make_campaign
from tests.redemptions.factories import make_tier

pytestmark = pytest.mark.django_db(transaction=True)


def body(name: str, ids: list[str], **fields) -> M.PromotionsStacksCreateRequestBody:
    return M.PromotionsStacksCreateRequestBody.from_dict({"name": name, "tiers": {"ids": ids}, **fields})


def refused(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as error:
        call()
    return error.value.status, json.loads(error.value.body)


def test_a_stack_is_created_read_listed_changed_and_deleted(sdk):
    promotions = V.PromotionsApi(sdk)
    summer = make_campaign(name="Summer", campaign_type=CampaignType.PROMOTION)
    ten, five, two = (make_tier(campaign=summer, name=name) for name in ("Ten", "Five", "Two"))

    made = promotions.create_promotion_stack(summer.pk, body("Big basket", [five.pk, ten.pk]))
    assert made.id.startswith("stack_") and made.object == "promotion_stack" and made.campaign_id == summer.pk
    assert (made.name, made.tiers.ids, made.tiers.hierarchy_mode) == ("Big basket", [five.pk, ten.pk], "MANUAL")
    assert promotions.get_promotion_stack(summer.pk, made.id).tiers.ids == [five.pk, ten.pk]

    changed = promotions.update_promotion_stack(
        summer.pk,
        made.id,
        M.PromotionsStacksUpdateRequestBody.from_dict({"name": "Bigger basket", "tiers": {"ids": [two.pk, ten.pk]}}),
    )
    assert (changed.name, changed.tiers.ids) == ("Bigger basket", [two.pk, ten.pk])
    other = promotions.create_promotion_stack(summer.pk, body("Small basket", [two.pk]))

    in_campaign = promotions.list_promotion_stacks_in_campaign(summer.pk)
    assert (in_campaign.object, in_campaign.data_ref, in_campaign.total) == ("list", "data", 2)
    assert [s.id for s in in_campaign.data] == [other.id, made.id]  # newest first
    everyone = promotions.list_all_promotion_stacks(limit=1, page=2, order="name")
    assert everyone.total == 2 and [s.name for s in everyone.data] == ["Small basket"]

    promotions.delete_promotion_stack(summer.pk, made.id)
    with pytest.raises(NotFoundException):
        promotions.get_promotion_stack(summer.pk, made.id)
    assert [t.name for t in summer.tiers.order_by("position")] == ["Ten", "Five", "Two"]  # the tiers stay
    kinds = list(Event.objects.filter(resource_id=made.id).order_by("occurred_at").values_list("type", flat=True))
    assert kinds == ["promotion_stack.created", "promotion_stack.updated", "promotion_stack.deleted"]


def test_a_bad_stack_is_refused_and_writes_nothing(sdk):
    promotions = V.PromotionsApi(sdk)
    summer = make_campaign(name="Summer", campaign_type=CampaignType.PROMOTION)
    tier = make_tier(campaign=summer)
    elsewhere = make_tier()
    coupons = make_campaign(name="Coupons", campaign_type=CampaignType.DISCOUNT_COUPONS)

    status, error = refused(lambda: promotions.create_promotion_stack(summer.pk, body("X", [tier.pk, elsewhere.pk])))
    assert (status, error["key"]) == (400, "invalid_promotion_stack")
    assert error["details"] == f"Promotion tier {elsewhere.pk} is not a tier of campaign Summer"
    status, error = refused(lambda: promotions.create_promotion_stack(summer.pk, body("X", [tier.pk, tier.pk])))
    assert error["details"] == "a tier appears twice in tiers.ids"
    status, error = refused(lambda: promotions.create_promotion_stack(coupons.pk, body("X", [tier.pk])))
    assert (status, error["key"]) == (400, "invalid_campaign_params")
    status, error = refused(lambda: promotions.create_promotion_stack("camp_nope", body("X", [tier.pk])))
    assert (status, error["key"]) == (404, "not_found")
    assert not PromotionStack.objects.exists()


def test_a_stack_without_tiers_or_name_is_a_400(api):
    summer = make_campaign(name="Summer", campaign_type=CampaignType.PROMOTION)
    make_tier(campaign=summer)
    for sent in ({"name": "X", "tiers": {"ids": []}}, {"tiers": {"ids": ["promo_1"]}}, {"name": "X"}):
        answer = api.post(f"/v1/promotions/{summer.pk}/stacks", sent)
        assert (answer.status_code, answer.json()["key"]) == (400, "invalid_payload"), sent
    assert not PromotionStack.objects.exists()


def test_a_stack_is_redeemed_as_its_tiers_in_order(sdk):
    summer = make_campaign(name="Summer", campaign_type=CampaignType.PROMOTION)
    ten, five = (
        make_tier(campaign=summer, name="Ten", percent_off=10),
        make_tier(campaign=summer, name="Five", percent_off=5),
    )
    stack = V.PromotionsApi(sdk).create_promotion_stack(summer.pk, body("Both", [ten.pk, five.pk]))

    redeemable = M.RedemptionsRedeemRequestBodyRedeemablesItem(object="promotion_stack", id=stack.id)
    redeemed = V.RedemptionsApi(sdk).redeem_stacked_discounts(
        M.RedemptionsRedeemRequestBody(redeemables=[redeemable], order=M.Order(amount=10_000))
    )
    assert [r.promotion_tier.id for r in redeemed.redemptions] == [ten.pk, five.pk]
    assert redeemed.order.total_discount_amount == 1_000 + 500  # the stacking rules' default: each on the amount
    assert Redemption.objects.filter(promotion_tier__in=[ten, five], status="SUCCEEDED").count() == 2

    status, error = refused(
        lambda: V.RedemptionsApi(sdk).redeem_stacked_discounts(
            M.RedemptionsRedeemRequestBody(
                redeemables=[M.RedemptionsRedeemRequestBodyRedeemablesItem(object="promotion_stack", id="stack_nope")],
                order=M.Order(amount=10_000),
            )
        )
    )
    assert (status, error["key"], error["resource_type"]) == (404, "not_found", "promotion_stack")
