"""Every one of the fifteen failure reasons through the raw API.

A failed redemption answers the platform's error shape with the reason's key and stores the attempt
(``rf_``) with the failure code and the dashboard message; nothing is redeemed. A validation reports
the same reason on the inapplicable redeemable.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import Voucher
from redemptions.models import Redemption
from stacking.checks import FailureCode
from tests.factories import make_customer, make_gift_card, make_voucher
from tests.redemptions.factories import body, make_rule, make_segment, parses, voucher

pytestmark = pytest.mark.django_db

MIN_200 = {"name": "order.amount", "conditions": {"$more_than_or_equal": [20_000]}}
ONCE_PER_CUSTOMER = {"name": "redemption.count.per_customer", "conditions": {"$less_than_or_equal": [1]}}
NEEDS_SNEAKERS = {"name": "order.items.any", "conditions": {"$is": [{"object": "product", "source_id": "sneakers"}]}}
LINE = {"product_id": "prod_1", "quantity": 1, "price": 10_000}


@dataclass
class Case:
    code: FailureCode
    setup: Callable[[], dict]  # makes the data, returns the request body
    status: int = 400


def _unknown() -> dict:
    return body(voucher("NO-SUCH-CODE"))


def _not_active() -> dict:
    make_voucher(code="LATER", start_date=timezone.now() + timedelta(days=2))
    return body(voucher("LATER"))


def _expired() -> dict:
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))
    return body(voucher("OLD"))


def _disabled() -> dict:
    make_voucher(code="OFF", active=False)
    return body(voucher("OFF"))


def _used_up() -> dict:
    make_voucher(code="ONCE", redemption_quantity=1, redeemed_quantity=1)
    return body(voucher("ONCE"))


def _gift_too_small() -> dict:
    make_gift_card(code="CARD", amount=1_000)
    return body(voucher("CARD", gift={"credits": 2_000}))


def _order_too_small() -> dict:
    code = make_voucher(code="MIN200")
    make_rule(MIN_200, voucher=code)
    return body(voucher("MIN200"), amount=10_000)


def _not_in_segment() -> dict:
    code = make_voucher(code="VIP")
    segment = make_segment(make_customer(source_id="a-vip"))
    make_rule({"name": "customer.segment", "conditions": {"$is": [segment.id]}}, voucher=code)
    return body(voucher("VIP"), customer="not-a-vip")


def _second_use() -> dict:
    code = make_voucher(code="WELCOME")
    make_rule(ONCE_PER_CUSTOMER, voucher=code)
    shopper = make_customer(source_id="returning")
    Redemption.objects.create(
        id="r_earlier", created_at=timezone.now(), result="SUCCESS", status="SUCCEEDED",
        related_object_type="voucher", voucher=code, voucher_code=code.code, customer=shopper,
    )  # fmt: skip
    return body(voucher("WELCOME"), customer="returning")


def _bad_line() -> dict:
    make_voucher(code="ANY")
    return body(voucher("ANY"), amount=None, order={"items": [LINE, {**LINE, "product_id": "prod_2", "quantity": 0}]})


def _wrong_total() -> dict:
    make_voucher(code="ANY")
    return body(voucher("ANY"), amount=None, order={"amount": 5_000, "items": [LINE]})


def _no_amount() -> dict:
    make_voucher(code="ANY")
    return body(voucher("ANY"), amount=None)


def _no_items() -> dict:
    code = make_voucher(code="BUNDLE")
    make_rule(NEEDS_SNEAKERS, voucher=code)
    return body(voucher("BUNDLE"))


def _no_customer() -> dict:
    code = make_voucher(code="WELCOME")
    make_rule(ONCE_PER_CUSTOMER, voucher=code)
    return body(voucher("WELCOME"), customer=None)


def _garbled_gift() -> dict:
    make_gift_card(code="CARD", amount=1_000)
    return body(voucher("CARD", gift={"credits": "ten euros"}))


CASES = [
    Case(FailureCode.RESOURCE_NOT_FOUND, _unknown, status=404),
    Case(FailureCode.VOUCHER_NOT_ACTIVE, _not_active),
    Case(FailureCode.VOUCHER_EXPIRED, _expired),
    Case(FailureCode.VOUCHER_DISABLED, _disabled),
    Case(FailureCode.QUANTITY_EXCEEDED, _used_up),
    Case(FailureCode.GIFT_AMOUNT_EXCEEDED, _gift_too_small),
    Case(FailureCode.ORDER_RULES_VIOLATED, _order_too_small),
    Case(FailureCode.CUSTOMER_RULES_VIOLATED, _not_in_segment),
    Case(FailureCode.REDEMPTION_RULES_VIOLATED, _second_use),
    Case(FailureCode.INVALID_ORDER, _bad_line),
    Case(FailureCode.INVALID_AMOUNT, _wrong_total),
    Case(FailureCode.MISSING_AMOUNT, _no_amount),
    Case(FailureCode.MISSING_ORDER_ITEMS, _no_items),
    Case(FailureCode.MISSING_CUSTOMER, _no_customer),
    Case(FailureCode.INVALID_PAYLOAD, _garbled_gift),
]


def test_the_cases_cover_all_fifteen_reasons():
    assert sorted(case.code for case in CASES) == sorted(FailureCode)


@pytest.mark.parametrize("case", CASES, ids=[case.code.value for case in CASES])
def test_a_failed_redemption_answers_its_reason_and_keeps_the_attempt(api, case):
    request = case.setup()
    before = {v.pk: (v.redeemed_quantity, v.gift_balance) for v in Voucher.objects.all()}

    response = api.post("/v1/redemptions", request)

    error = response.json()
    assert response.status_code == case.status
    assert error["code"] == case.status
    assert error["key"] == case.code.error_key
    assert error["message"] == case.code.label
    assert isinstance(error["details"], str) and error["details"]
    assert error["request_id"] == response["X-Request-Id"]
    attempt = Redemption.objects.exclude(pk="r_earlier").get()
    assert attempt.id.startswith("rf_")
    assert (attempt.result, attempt.status) == ("FAILURE", "FAILED")
    assert attempt.failure_code == case.code.value
    assert attempt.failure_message == case.code.label
    assert attempt.voucher_code == request["redeemables"][0]["id"]
    if case.code == FailureCode.RESOURCE_NOT_FOUND:
        assert (error["resource_type"], error["resource_id"]) == ("voucher", "NO-SUCH-CODE")
        assert error["details"] == "Cannot find voucher with id NO-SUCH-CODE"
    else:
        assert (error["resource_type"], error["resource_id"]) == ("redemption", attempt.id)
    assert Event.objects.filter(type="redemption.failed", resource_id=attempt.id).exists()
    # nothing was redeemed
    assert {v.pk: (v.redeemed_quantity, v.gift_balance) for v in Voucher.objects.all()} == before
    assert not Redemption.objects.filter(result="SUCCESS").exclude(pk="r_earlier").exists()


@pytest.mark.parametrize("case", CASES, ids=[case.code.value for case in CASES])
def test_a_validation_reports_the_same_reason_on_the_inapplicable_redeemable(api, case):
    request = case.setup()

    response = api.post("/v1/validations", request)

    assert response.status_code == 200
    answer = response.json()
    parses("ValidationsValidateResponseBody", answer)
    assert answer["valid"] is False
    [item] = answer["inapplicable_redeemables"]
    assert item["status"] == "INAPPLICABLE"
    assert item["result"]["error"]["key"] == case.code.error_key
    assert item["result"]["error"]["code"] == case.status
    assert item["result"]["details"] == {"key": case.code.error_key, "message": case.code.label}
    assert not Redemption.objects.exclude(pk="r_earlier").exists()


def test_a_rule_with_its_own_message_shows_it_in_the_error(api):
    code = make_voucher(code="MIN200")
    make_rule(MIN_200, voucher=code, error_message="Spend 200.00 to use this code")

    error = api.post("/v1/redemptions", body(voucher("MIN200"), amount=10_000)).json()

    assert error["key"] == "order_rules_violated"
    assert error["error"] == {"message": "Spend 200.00 to use this code"}


def test_an_expired_and_disabled_voucher_reports_expired_first(api):
    make_voucher(code="BOTH", active=False, expiration_date=timezone.now() - timedelta(days=1))

    assert api.post("/v1/redemptions", body(voucher("BOTH"))).json()["key"] == "voucher_expired"
