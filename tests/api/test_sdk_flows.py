"""The main engine flows through the official SDK (``voucherify==6.1.1``, unchanged) against a live server.

The SDK parses every 2xx answer with its strict pydantic models, so each call here also proves the
response shape; errors arrive as its exception objects, whose ``body`` is our error JSON.
"""

import json
from datetime import timedelta

import pytest
import voucherify as V
from django.utils import timezone
from voucherify import models as M
from voucherify.exceptions import ApiException, BadRequestException, NotFoundException

from campaigns.models import Voucher, VoucherTransaction
from redemptions.models import Redemption
from sessions.models import ValidationSession
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher
from tests.redemptions.factories import make_rule, make_segment

pytestmark = pytest.mark.django_db(transaction=True)


def item(code: str, credits: int | None = None, *, model=M.ValidationsValidateRequestBodyRedeemablesItem):
    gift_model = {
        M.ValidationsValidateRequestBodyRedeemablesItem: M.ValidationsValidateRequestBodyRedeemablesItemGift,
        M.RedemptionsRedeemRequestBodyRedeemablesItem: M.RedemptionsRedeemRequestBodyRedeemablesItemGift,
    }[model]
    return model(object="voucher", id=code, gift=gift_model(credits=credits) if credits is not None else None)


def redeem_item(code: str, credits: int | None = None):
    return item(code, credits, model=M.RedemptionsRedeemRequestBodyRedeemablesItem)


def error_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


def test_a_shop_locks_a_stack_blocks_another_shopper_then_redeems_with_the_session_key(sdk):
    make_voucher(code="LAST-ONE", percent_off=20, redemption_quantity=1)
    make_gift_card(code="CARD-50", amount=5_000)
    validations, redemptions = V.ValidationsApi(sdk), V.RedemptionsApi(sdk)

    validated = validations.validate_stacked_discounts(
        M.ValidationsValidateRequestBody(
            redeemables=[item("LAST-ONE"), item("CARD-50", 3_000)],
            order=M.Order(amount=20_000, items=[M.OrderItem(product_id="prod_1", quantity=2, price=10_000)]),
            customer=M.Customer(source_id="ann"),
            session=M.Session(type="LOCK", ttl=2, ttl_unit="HOURS"),
        )
    )
    assert validated.valid is True
    assert [r.status for r in validated.redeemables] == ["APPLICABLE", "APPLICABLE"]
    assert validated.order.total_amount == 20_000 - 4_000 - 3_000
    assert validated.stacking_rules.redeemables_application_mode == "ALL"
    key = validated.session.key
    assert key.startswith("ssn_") and (validated.session.ttl, validated.session.ttl_unit) == (2, "HOURS")

    other = validations.validate_stacked_discounts(
        M.ValidationsValidateRequestBody(
            redeemables=[item("LAST-ONE")], order=M.Order(amount=20_000), customer=M.Customer(source_id="bob")
        )
    )
    assert other.valid is False
    assert other.inapplicable_redeemables[0].result.error.key == "quantity_exceeded"
    with pytest.raises(BadRequestException) as blocked:
        redemptions.redeem_stacked_discounts(
            M.RedemptionsRedeemRequestBody(
                redeemables=[redeem_item("LAST-ONE")],
                order=M.Order(amount=20_000),
                customer=M.Customer(source_id="bob"),
            )
        )
    assert error_of(blocked.value)["key"] == "quantity_exceeded"

    redeemed = redemptions.redeem_stacked_discounts(
        M.RedemptionsRedeemRequestBody(
            redeemables=[redeem_item("LAST-ONE"), redeem_item("CARD-50", 3_000)],
            order=M.Order(amount=20_000, items=[M.OrderItem(product_id="prod_1", quantity=2, price=10_000)]),
            customer=M.Customer(source_id="ann"),
            session=M.Session(type="LOCK", key=key),
        )
    )
    assert redeemed.parent_redemption.related_object_type == "redemption"
    assert [r.amount for r in redeemed.redemptions] == [4_000, 3_000]
    assert {r.redemption for r in redeemed.redemptions} == {redeemed.parent_redemption.id}
    assert redeemed.order.status == "PAID" and redeemed.order.total_amount == 13_000
    session = ValidationSession.objects.get(pk=key)
    assert (session.status, session.release_reason) == ("RELEASED", "REDEEMED")
    last, card = Voucher.objects.get(code="LAST-ONE"), Voucher.objects.get(code="CARD-50")
    assert (last.redeemed_quantity, last.locked_quantity, card.gift_balance, card.locked_credits) == (1, 0, 2_000, 0)


def test_a_shop_rolls_back_stacked_and_single_redemptions_and_reads_them_back(sdk):
    spring = make_campaign(name="Spring Sale")
    make_voucher(code="SPRING", campaign=spring, redemption_quantity=10)
    card = make_gift_card(code="CARD-20", amount=2_000)
    redemptions = V.RedemptionsApi(sdk)

    stacked = redemptions.redeem_stacked_discounts(
        M.RedemptionsRedeemRequestBody(
            redeemables=[redeem_item("SPRING"), redeem_item("CARD-20", 1_500)],
            order=M.Order(source_id="order-1", amount=10_000),
            customer=M.Customer(source_id="carla"),
        )
    )
    single = redemptions.redeem_stacked_discounts(
        M.RedemptionsRedeemRequestBody(
            redeemables=[redeem_item("SPRING")], order=M.Order(amount=5_000), customer=M.Customer(source_id="dan")
        )
    )

    rolled = redemptions.rollback_stacked_redemptions(stacked.parent_redemption.id, reason="Order canceled")
    assert rolled.parent_rollback.redemption == stacked.parent_redemption.id
    assert sorted(rb.amount for rb in rolled.rollbacks) == [-1_500, 0]
    assert rolled.order.status == "CANCELED"
    card.refresh_from_db()
    assert card.gift_balance == 2_000
    assert VoucherTransaction.objects.get(voucher=card, source="ROLLBACK").balance_after == 2_000

    one = redemptions.rollback_redemption(single.redemptions[0].id, reason="Returned", tracking_id="t-1")
    assert (one.status, one.reason, one.redemption) == ("SUCCEEDED", "Returned", single.redemptions[0].id)
    assert Voucher.objects.get(code="SPRING").redeemed_quantity == 0
    with pytest.raises(BadRequestException) as again:
        redemptions.rollback_redemption(single.redemptions[0].id)
    assert error_of(again.value)["key"] == "already_rolled_back"

    everything = redemptions.list_redemptions(limit=50)
    assert everything.total == 4 + 4 + 1  # parent, 2 children, single; their 4 rollbacks; 1 refused
    kinds = {entry.object for entry in everything.redemptions}
    assert kinds == {"redemption", "redemption_rollback"}
    filtered = redemptions.list_redemptions(
        campaign="Spring Sale",
        filters=M.ParameterFiltersListRedemptions(
            voucher_code=M.ParameterFiltersListRedemptionsVoucherCode(
                conditions=M.FilterConditionsString(var_in=["SPRING", "OTHER"])
            ),
            object=M.ParameterFiltersListRedemptionsObject(conditions=M.FilterConditionsString(var_is="redemption")),
            junction="and",
        ),
        order=M.ParameterOrderListRedemptions("-created_at"),
    )
    assert [e.id for e in filtered.redemptions] == [single.redemptions[0].id, stacked.redemptions[0].id]
    assert {e.status for e in filtered.redemptions} == {"ROLLED_BACK"}
    # Built with from_dict, the SDK sends every unset field as the text None: no condition.
    from_dict = M.ParameterFiltersListRedemptions.from_dict(
        {"junction": "and", "voucher_code": {"conditions": {"$in": ["SPRING"]}}}
    )
    assert redemptions.list_redemptions(campaign="Spring Sale", filters=from_dict).total == 2 + 2 + 1
    by_customer = redemptions.list_redemptions(customer="dan", result="SUCCESS")
    assert {e.customer_id for e in by_customer.redemptions} == {single.redemptions[0].customer_id}

    fetched = redemptions.get_redemption(stacked.parent_redemption.id)
    assert fetched.status == "ROLLED_BACK" and len(fetched.related_redemptions.redemptions) == 2
    assert redemptions.get_redemption(one.id).object == "redemption_rollback"
    entries = redemptions.get_voucher_redemptions("SPRING")
    assert (entries.redeemed_quantity, entries.total) == (0, 5)  # 2 redemptions, 2 rollbacks, 1 refused
    with pytest.raises(NotFoundException):
        redemptions.get_redemption("r_does_not_exist")


def test_a_shop_releases_a_session_through_the_vouchers_api(sdk):
    make_voucher(code="HOLD", redemption_quantity=1)
    validated = V.ValidationsApi(sdk).validate_stacked_discounts(
        M.ValidationsValidateRequestBody(
            redeemables=[item("HOLD")], order=M.Order(amount=1_000), session=M.Session(type="LOCK", key="ssn_cart_7")
        )
    )
    assert Voucher.objects.get(code="HOLD").locked_quantity == 1

    assert V.VouchersApi(sdk).release_validation_session("HOLD", validated.session.key) is None

    assert Voucher.objects.get(code="HOLD").locked_quantity == 0
    assert ValidationSession.objects.get(pk="ssn_cart_7").release_reason == "API"
    with pytest.raises(NotFoundException) as missing:
        V.VouchersApi(sdk).release_validation_session("HOLD", "ssn_cart_7")
    assert error_of(missing.value)["resource_type"] == "session"


def test_failure_reasons_reach_the_sdk_as_exceptions_with_the_platform_error(sdk):
    now = timezone.now()
    make_voucher(code="LATER", start_date=now + timedelta(days=1))
    make_voucher(code="OLD", expiration_date=now - timedelta(days=1))
    make_voucher(code="OFF", active=False)
    make_voucher(code="USED", redemption_quantity=1, redeemed_quantity=1)
    make_gift_card(code="SMALL", amount=100)
    min_order = make_voucher(code="MIN")
    make_rule({"name": "order.amount", "conditions": {"$more_than": [50_000]}}, voucher=min_order)
    vip = make_voucher(code="VIP")
    make_rule(
        {"name": "customer.segment", "conditions": {"$is": [make_segment(make_customer(source_id="vip")).id]}},
        voucher=vip,
    )
    welcome = make_voucher(code="WELCOME")
    make_rule({"name": "redemption.count.per_customer", "conditions": {"$less_than_or_equal": [1]}}, voucher=welcome)
    bundle = make_voucher(code="BUNDLE")
    make_rule({"name": "order.items.any", "conditions": {"$is": [{"object": "sku", "id": "sku_1"}]}}, voucher=bundle)
    redemptions = V.RedemptionsApi(sdk)

    def failure(code: str, credits: int | None = None, **request) -> tuple[int, dict]:
        request.setdefault("order", M.Order(amount=10_000))
        request.setdefault("customer", M.Customer(source_id="erin"))
        with pytest.raises(ApiException) as caught:
            redemptions.redeem_stacked_discounts(
                M.RedemptionsRedeemRequestBody(redeemables=[redeem_item(code, credits)], **request)
            )
        return caught.value.status, error_of(caught.value)

    seen = {
        "not_found": failure("NOPE"),
        "voucher_not_active": failure("LATER"),
        "voucher_expired": failure("OLD"),
        "voucher_disabled": failure("OFF"),
        "quantity_exceeded": failure("USED"),
        "gift_amount_exceeded": failure("SMALL", 500),
        "order_rules_violated": failure("MIN"),
        "customer_rules_violated": failure("VIP"),
        "missing_customer": failure("WELCOME", customer=None),
        "missing_order_items": failure("BUNDLE"),
        "missing_amount": failure("VIP", order=None),
        "invalid_amount": failure(
            "WELCOME", order=M.Order(amount=100, items=[M.OrderItem(sku_id="s", quantity=1, price=5_000)])
        ),
        "invalid_order": failure("WELCOME", order=M.Order(amount=0, items=[M.OrderItem(sku_id="s", quantity=0)])),
    }

    assert seen["not_found"][0] == 404 and seen["not_found"][1]["resource_type"] == "voucher"
    for key, (status, error) in seen.items():
        assert error["key"] == key, (key, error)
        assert error["request_id"].startswith("v-")
        if key != "not_found":
            assert status == 400 and error["resource_type"] == "redemption"
            assert Redemption.objects.get(pk=error["resource_id"]).failure_code == key
    assert Redemption.objects.filter(result="FAILURE").count() == len(seen)
    assert not Redemption.objects.filter(result="SUCCESS").exists()
