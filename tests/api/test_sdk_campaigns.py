"""The official ``voucherify`` SDK, unchanged, managing campaigns, vouchers, customers, rules and
categories against a live VoucherHub: every call must succeed and every answer parse in its strict models.

Calls are grouped into a few tests because each one starts a live server (transactional database).
"""

import json
from datetime import UTC, datetime

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException, NotFoundException

from campaigns.models import Voucher, VoucherTransaction


def test_a_shop_runs_a_discount_campaign_and_its_vouchers_through_the_sdk(sdk):
    campaigns, vouchers = V.CampaignsApi(sdk), V.VouchersApi(sdk)
    categories, rules = V.CategoriesApi(sdk), V.ValidationRulesApi(sdk)
    category, rule = _a_category_and_a_rule(categories, rules)
    created = _a_campaign_with_its_vouchers(campaigns, category, rule)
    random = _standalone_and_random_vouchers(vouchers, created, category, rule)
    _rule_assignments(rules, rule, random)
    _deletions(campaigns, vouchers, categories, created, category)


def _a_category_and_a_rule(categories, rules):
    category = categories.create_category(V.CategoriesCreateRequestBody(name="Seasonal", hierarchy=2))
    assert category.id.startswith("cat_") and category.hierarchy == 2
    assert categories.update_category(category.id, V.CategoriesUpdateRequestBody(hierarchy=3)).hierarchy == 3
    assert [c.name for c in categories.list_categories().data] == ["Seasonal"]
    assert categories.get_category(category.id).name == "Seasonal"

    rule = rules.create_validation_rules(
        V.ValidationRulesCreateRequestBody(
            name="Orders from 50.00",
            rules={
                "1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [5000]}, "rules": {}},
                "logic": "1",
            },
            error=V.ValidationRulesCreateRequestBodyError(message="Spend 50.00"),
        )
    )
    assert rule.id.startswith("val_") and rule.error.message == "Spend 50.00"
    return category, rule


def _a_campaign_with_its_vouchers(campaigns, category, rule):
    created = campaigns.create_campaign(
        V.CampaignsCreateRequestBody(
            name="Summer",
            campaign_type="DISCOUNT_COUPONS",
            type="AUTO_UPDATE",
            category_id=category.id,
            voucher=V.CampaignsCreateRequestBodyVoucher(
                type="DISCOUNT_VOUCHER",
                discount=V.Discount(type="PERCENT", percent_off=15, amount_limit=2000),
                redemption=V.CampaignsCreateRequestBodyVoucherRedemption(quantity=2),
                code_config=V.CodeConfig(length=8, prefix="SUM-"),
            ),
            vouchers_count=3,
            start_date=datetime(2026, 6, 1, tzinfo=UTC),
            expiration_date=datetime(2026, 9, 1),  # naive: read as UTC
            validation_rules=[rule.id],
            metadata={"team": "growth"},
        )
    )
    assert created.id.startswith("camp_") and created.vouchers_count == 3
    assert created.voucher.discount.percent_off == 15 and created.voucher.code_config.prefix == "SUM-"
    assert created.expiration_date == datetime(2026, 9, 1, tzinfo=UTC)
    assert created.validation_rules_assignments.data[0].rule_id == rule.id
    assert created.categories[0].id == category.id

    assert campaigns.get_campaign("Summer").id == created.id
    listed = campaigns.list_campaigns(limit=10, campaign_type=V.ParameterCampaignType.DISCOUNT_COUPONS)
    assert [c.name for c in listed.campaigns] == ["Summer"] and listed.total == 1
    updated = campaigns.update_campaign(
        created.id, V.CampaignsUpdateRequestBody(description="Fifteen off", metadata={"quarter": "Q3"})
    )
    assert updated.description == "Fifteen off" and updated.metadata == {"team": "growth", "quarter": "Q3"}
    campaigns.disable_campaign(created.id)
    assert campaigns.get_campaign(created.id).active is False
    campaigns.enable_campaign(created.id)

    added = campaigns.add_voucher_with_specific_code_to_campaign(
        created.id, "SUM-CHOSEN", V.CampaignsVouchersCreateRequestBody(metadata={"vip": True})
    )
    assert added.code == "SUM-CHOSEN" and added.campaign_id == created.id and added.metadata == {"vip": True}
    one = campaigns.add_vouchers_to_campaign(created.id, vouchers_count=1)
    assert one.code.startswith("SUM-")
    many = campaigns.add_vouchers_to_campaign(
        created.id,
        vouchers_count=4,
        campaigns_vouchers_create_in_bulk_request_body=V.CampaignsVouchersCreateInBulkRequestBody(),
    )
    assert many.async_action_id.startswith("aa_")
    assert campaigns.get_campaign(created.id).vouchers_count == 9
    return created


def _standalone_and_random_vouchers(vouchers, created, category, rule):
    voucher = vouchers.create_voucher(
        "STANDALONE-1",
        V.VouchersCreateWithSpecificCodeRequestBody(
            type="DISCOUNT_VOUCHER",
            discount=V.Discount(type="AMOUNT", amount_off=1500),
            redemption=V.VouchersCreateWithSpecificCodeRequestBodyRedemption(quantity=5),
            category="Seasonal",
            validation_rules=[rule.id],
        ),
    )
    assert voucher.code == "STANDALONE-1" and voucher.discount.amount_off == 1500 and voucher.redemption.quantity == 5
    assert voucher.category_id == category.id
    random = vouchers.generate_random_code(
        V.VouchersCreateRequestBody(
            campaign_id=created.id, code_config=V.CodeConfig(pattern="RND-####", charset="0123456789")
        )
    )
    assert random.code.startswith("RND-") and random.campaign == "Summer" and random.discount.percent_off == 15

    fetched = vouchers.get_voucher("STANDALONE-1")
    assert fetched.id == voucher.id and vouchers.get_voucher(voucher.id).code == "STANDALONE-1"
    page = vouchers.list_vouchers(limit=5, page=1, campaign="Summer", order=V.ParameterOrderVouchers.CODE)
    assert page.total == 10 and len(page.vouchers) == 5
    assert [v.code for v in page.vouchers] == sorted(v.code for v in page.vouchers)
    assert {v.code for v in vouchers.list_vouchers(ids=["STANDALONE-1", random.code]).vouchers} == {
        "STANDALONE-1",
        random.code,
    }
    changed = vouchers.update_voucher(
        "STANDALONE-1", V.VouchersUpdateRequestBody(metadata={"note": "updated"}, active=True)
    )
    assert changed.metadata == {"note": "updated"} and changed.type == "DISCOUNT_VOUCHER"
    assert vouchers.disable_voucher("STANDALONE-1").active is False
    assert vouchers.enable_voucher("STANDALONE-1").active is True
    return random


def _rule_assignments(rules, rule, random):
    assignment = rules.create_validation_rule_assignment(
        rule.id,
        validation_rules_assignments_create_request_body=V.ValidationRulesAssignmentsCreateRequestBody(
            related_object_type="voucher", related_object_id=random.code
        ),
    )
    assert assignment.id.startswith("asgm_") and assignment.related_object_id == random.id
    assert rules.get_validation_rule(rule.id).assignments_count == 3
    assert rules.list_validation_rules(limit=10).data[0].id == rule.id
    assert rules.update_validation_rule(rule.id, V.ValidationRulesUpdateRequestBody(name="Renamed")).name == "Renamed"
    assert rules.list_validation_rule_assignments(rule.id).total == 3


def _deletions(campaigns, vouchers, categories, created, category):
    vouchers.delete_voucher("STANDALONE-1", force=True)
    with pytest.raises(NotFoundException) as missing:
        vouchers.get_voucher("STANDALONE-1")
    assert json.loads(missing.value.body)["key"] == "not_found"
    with pytest.raises(BadRequestException) as slash:
        vouchers.generate_random_code(
            V.VouchersCreateRequestBody(code="A/B", discount=V.Discount(type="AMOUNT", amount_off=1))
        )
    assert json.loads(slash.value.body)["key"] == "invalid_voucher"
    assert campaigns.delete_campaign(created.id, force=False).async_action_id.startswith("aa_")
    with pytest.raises(NotFoundException):
        campaigns.get_campaign(created.id)
    categories.delete_category(category.id)


def test_gift_cards_customers_and_segments_through_the_sdk(sdk):
    campaigns, vouchers = V.CampaignsApi(sdk), V.VouchersApi(sdk)
    customers, segments = V.CustomersApi(sdk), V.SegmentsApi(sdk)

    cards = campaigns.create_campaign(
        V.CampaignsCreateRequestBody(
            name="Gift cards",
            campaign_type="GIFT_VOUCHERS",
            voucher=V.CampaignsCreateRequestBodyVoucher(type="GIFT_VOUCHER", gift=V.Gift(amount=10000)),
            vouchers_count=2,
        )
    )
    assert cards.voucher.gift.amount == 10000 and cards.voucher.code_config is not None
    card = vouchers.create_voucher(
        "CARD-1",
        V.VouchersCreateWithSpecificCodeRequestBody(
            type="GIFT_VOUCHER", gift=V.Gift(amount=5000), campaign="Gift cards"
        ),
    )
    assert card.gift.balance == 5000 and card.gift.amount == 5000 and card.campaign_id == cards.id
    topped = vouchers.update_voucher_balance(
        "CARD-1", V.VouchersBalanceUpdateRequestBody(amount=2500, reason="goodwill", source_id="tx-1")
    )
    assert (topped.amount, topped.total, topped.balance) == (2500, 7500, 7500)
    assert topped.operation_type == "MANUAL" and topped.related_object.id == card.id
    # The SDK's update model always sends type DISCOUNT_VOUCHER: a gift card stays a gift card.
    still_gift = vouchers.update_voucher("CARD-1", V.VouchersUpdateRequestBody(metadata={"x": 1}))
    assert still_gift.type == "GIFT_VOUCHER" and still_gift.gift.balance == 7500
    with pytest.raises(BadRequestException) as below_zero:
        vouchers.update_voucher_balance("CARD-1", V.VouchersBalanceUpdateRequestBody(amount=-7501))
    assert json.loads(below_zero.value.body)["key"] == "invalid_voucher"
    stored = Voucher.objects.get(code="CARD-1")
    assert (stored.gift_amount, stored.gift_balance) == (7500, 7500)
    assert list(
        VoucherTransaction.objects.filter(voucher=stored).order_by("created_at").values_list("source", "balance_after")
    ) == [("CREATION", 5000), ("MANUAL", 7500)]

    customer = customers.create_customer(
        V.CustomersCreateRequestBody(
            source_id="shop-7", name="Grace", email="grace@example.com", metadata={"tier": "gold"}
        )
    )
    assert customer.id.startswith("cust_") and customer.metadata == {"tier": "gold"}
    assert customers.get_customer("shop-7").id == customer.id
    renamed = customers.update_customer(customer.id, V.CustomersUpdateRequestBody(name="Grace H."))
    assert renamed.name == "Grace H." and renamed.source_id == "shop-7"
    listed = customers.list_customers(limit=10, created_at_after=datetime(2000, 1, 1, tzinfo=UTC))
    assert [c.source_id for c in listed.customers] == ["shop-7"]

    static = segments.create_segment(V.SegmentsCreateRequestBody(name="Beta", type="static", customers=[customer.id]))
    assert static.id.startswith("seg_") and static.type == "static"
    auto = segments.create_segment(
        V.SegmentsCreateRequestBody(
            name="Gold",
            type="auto-update",
            filter={"junction": "and", "metadata.tier": {"conditions": {"$is": "gold"}}},
        )
    )
    assert segments.get_segment(auto.id).filter == {"tier": "gold"}
    segments.delete_segment(static.id)


def test_a_promotion_campaign_and_its_tiers_through_the_sdk(sdk):
    campaigns, promotions = V.CampaignsApi(sdk), V.PromotionsApi(sdk)
    created = campaigns.create_campaign(
        V.CampaignsCreateRequestBody(
            name="Autumn",
            campaign_type="PROMOTION",
            promotion=V.CampaignsCreateRequestBodyPromotion(
                tiers=[
                    V.PromotionTierCreateParams(
                        name="5.00 off from 50.00",
                        banner="Five off",
                        action=V.PromotionTierCreateParamsAction(discount=V.Discount(type="AMOUNT", amount_off=500)),
                        metadata={"level": 1},
                    )
                ]
            ),
        )
    )
    assert created.campaign_type == "PROMOTION" and created.voucher is None
    assert [t.name for t in created.promotion.tiers] == ["5.00 off from 50.00"]

    tier = promotions.add_promotion_tier_to_campaign(
        created.id,
        V.PromotionsTiersCreateRequestBody(
            name="10% off",
            action=V.PromotionsTiersCreateRequestBodyAction(discount=V.Discount(type="PERCENT", percent_off=10)),
        ),
    )
    assert tier.id.startswith("promo_") and tier.hierarchy == 2 and tier.campaign.id == created.id
    assert promotions.get_promotion_tier(tier.id).action.discount.percent_off == 10
    in_campaign = promotions.list_promotion_tiers_from_campaign(created.id)
    assert [t.name for t in in_campaign.tiers] == ["5.00 off from 50.00", "10% off"]
    everywhere = promotions.list_promotion_tiers(is_available=True, limit=10)
    assert everywhere.total == 2
    assert campaigns.get_campaign(created.id).promotion.total == 2
