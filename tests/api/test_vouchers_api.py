"""/v1/vouchers as an API user sees it: raw JSON in and out."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import voucherify as V
from django.db import connection

from auditlog.models import Event
from campaigns.models import Voucher, VoucherTransaction
from tests.api.test_campaigns_api import queries_for
from tests.api.test_plumbing import assert_error_shape
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher

pytestmark = pytest.mark.django_db

VOUCHER_FIELDS = {
    "id", "code", "campaign", "campaign_id", "category", "category_id", "categories", "type", "discount", "gift",
    "start_date", "expiration_date", "validity_day_of_week", "active", "metadata", "assets", "is_referral_code",
    "holder_id", "created_at", "updated_at", "validation_rules_assignments", "redemption", "publish", "object",
}  # fmt: skip


def create(api, code: str, body: dict):
    return api.post(f"/v1/vouchers/{code}", body)


def test_creating_a_discount_voucher_answers_the_platform_voucher_object(api):
    response = create(
        api,
        "SUMMER-10",
        {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "PERCENT", "percent_off": 12.5, "amount_limit": 5000},
            "redemption": {"quantity": 3},
            "start_date": "2026-01-01T00:00:00",
            "expiration_date": "2026-12-31T23:00:00+02:00",
            "metadata": {"source": "newsletter"},
            "unknown_field": "is ignored",
        },
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == VOUCHER_FIELDS
    assert body["id"].startswith("v_") and body["code"] == "SUMMER-10" and body["object"] == "voucher"
    assert body["type"] == "DISCOUNT_VOUCHER" and body["active"] is True
    assert body["discount"] == {
        "type": "PERCENT",
        "effect": "APPLY_TO_ORDER",
        "percent_off": 12.5,
        "amount_limit": 5000,
    }
    assert body["gift"] is None and body["campaign"] is None and body["categories"] == []
    assert body["start_date"] == "2026-01-01T00:00:00.000Z"  # naive input is UTC
    assert body["expiration_date"] == "2026-12-31T21:00:00.000Z"
    assert body["redemption"] == {
        "quantity": 3,
        "redeemed_quantity": 0,
        "redeemed_amount": 0,
        "object": "list",
        "url": "/v1/vouchers/SUMMER-10/redemptions?page=1&limit=10",
    }
    assert body["metadata"] == {"source": "newsletter"}
    assert body["validation_rules_assignments"] == {"object": "list", "data_ref": "data", "data": [], "total": 0}
    V.VouchersCreateResponseBody.from_dict(body)
    event = Event.objects.get(type="voucher.created")
    assert event.resource_id == body["id"] and event.request_log_id == response["X-Request-Id"]


def test_creating_a_gift_card_writes_its_creation_transaction(api):
    response = create(api, "GIFT-1", {"type": "GIFT_VOUCHER", "gift": {"amount": 20000.0}})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "GIFT_VOUCHER" and body["discount"] is None
    assert body["gift"] == {"amount": 20000, "balance": 20000, "effect": "APPLY_TO_ORDER"}
    assert isinstance(body["gift"]["amount"], int)
    (tx,) = VoucherTransaction.objects.filter(voucher_id=body["id"])
    assert (tx.source, tx.amount, tx.balance_after) == ("CREATION", 20000, 20000)


def test_a_voucher_joining_a_campaign_takes_its_template(api):
    campaign = make_campaign(
        name="Spring",
        voucher_template={
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 1500, "effect": "APPLY_TO_ORDER"},
            "redemption": {"quantity": 1},
            "code_config": {},
        },
    )
    body = create(api, "SPRING-1", {"campaign": "Spring"}).json()
    assert body["campaign"] == "Spring" and body["campaign_id"] == campaign.id
    assert body["discount"] == {"type": "AMOUNT", "effect": "APPLY_TO_ORDER", "amount_off": 1500}
    assert body["redemption"]["quantity"] == 1


def test_generating_a_random_code_follows_the_code_config(api):
    response = api.post(
        "/v1/vouchers",
        {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 1000},
            "code_config": {"prefix": "PRE-", "postfix": "-X", "pattern": "####", "charset": "ABC"},
        },
    )
    assert response.status_code == 200, response.content
    code = response.json()["code"]
    assert code.startswith("PRE-") and code.endswith("-X") and len(code) == 10
    assert set(code[4:8]) <= set("ABC")


def test_a_taken_code_is_a_409_duplicate_and_nothing_is_written(api):
    make_voucher(code="TAKEN")
    response = create(api, "TAKEN", {"discount": {"type": "AMOUNT", "amount_off": 100}})
    assert_error_shape(response, 409, "duplicate_found")
    assert Voucher.objects.count() == 1


def test_a_code_with_a_slash_is_refused_as_an_invalid_voucher(api):
    response = api.post("/v1/vouchers", {"code": "A/B", "discount": {"type": "AMOUNT", "amount_off": 100}})
    assert_error_shape(response, 400, "invalid_voucher")
    assert not Voucher.objects.exists()


def test_a_code_config_that_would_put_a_slash_in_codes_is_refused(api):
    body = {"discount": {"type": "AMOUNT", "amount_off": 1}, "code_config": {"prefix": "A/"}}
    assert_error_shape(api.post("/v1/vouchers", body), 400, "invalid_code_config")


@pytest.mark.parametrize(
    "body",
    [
        {"discount": {"type": "PERCENT", "percent_off": "10"}},
        {"discount": {"type": "PERCENT"}},
        {"discount": {"type": "UNIT", "unit_off": 1}},
        {"discount": {"type": "AMOUNT", "amount_off": 10**30}},
        {"discount": {"type": "AMOUNT", "amount_off": 10.5}},
        {"discount": {"type": "AMOUNT", "amount_off": -1}},
        {"discount": {"type": "PERCENT", "percent_off": 101}},
        {"type": "GIFT_VOUCHER", "gift": {"amount": 10**30}},
        {"type": "GIFT_VOUCHER", "gift": {}},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "redemption": {"quantity": 10**30}},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "redemption": {"quantity": "3"}},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "active": "yes"},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "metadata": "not an object"},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "metadata": {"k": "nul\u0000"}},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "start_date": "yesterday"},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "expiration_date": "9999-12-31T23:59:59-05:00"},
        {"type": "LOYALTY_CARD"},
    ],
    ids=lambda body: str(body)[:60],
)
def test_a_bad_body_is_a_400_invalid_payload_and_nothing_is_written(api, body):
    assert_error_shape(api.post("/v1/vouchers/BAD", raw=json.dumps(body)), 400, "invalid_payload")
    assert not Voucher.objects.exists()


@pytest.mark.parametrize(
    "metadata", [{"lone": "\udead"}, {"deep": [[[[[[[[[[float("nan")]]]]]]]]]]}], ids=["lone surrogate", "NaN"]
)
def test_values_postgresql_cannot_store_are_a_400_invalid_payload(api, metadata):
    # Only the answer is checked: on PostgreSQL the request log of such a body cannot be written either,
    # and in this test's single transaction that failed INSERT leaves the connection unusable.
    body = {"discount": {"type": "AMOUNT", "amount_off": 1}, "metadata": metadata}
    assert_error_shape(api.post("/v1/vouchers/BAD", raw=json.dumps(body)), 400, "invalid_payload")


def test_a_body_that_is_not_json_is_a_400_invalid_payload(api):
    assert_error_shape(api.post("/v1/vouchers/X", raw="{not json"), 400, "invalid_payload")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "DISCOUNT_VOUCHER", "gift": {"amount": 100}},
        {"type": "GIFT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1}},
        {"discount": {"type": "AMOUNT", "amount_off": 1}, "start_date": "2026-02-01", "expiration_date": "2026-01-01"},
    ],
)
def test_a_voucher_whose_parts_disagree_is_an_invalid_voucher(api, body):
    assert_error_shape(create(api, "BAD", body), 400, "invalid_voucher")
    assert not Voucher.objects.exists()


def test_an_unknown_campaign_category_or_rule_is_a_404(api):
    base = {"discount": {"type": "AMOUNT", "amount_off": 1}}
    assert assert_error_shape(create(api, "A", {**base, "campaign": "nope"}), 404, "not_found")["resource_type"] == (
        "campaign"
    )
    assert_error_shape(create(api, "A", {**base, "category_id": "cat_x"}), 404, "not_found")
    assert_error_shape(create(api, "A", {**base, "validation_rules": ["val_x"]}), 404, "not_found")
    assert not Voucher.objects.exists()


def test_getting_a_voucher_by_code_or_id(api):
    voucher = make_voucher(code="FIND-ME")
    assert api.get("/v1/vouchers/FIND-ME").json()["id"] == voucher.id
    assert api.get(f"/v1/vouchers/{voucher.id}").json()["code"] == "FIND-ME"
    body = assert_error_shape(api.get("/v1/vouchers/NOPE"), 404, "not_found")
    assert body["resource_type"] == "voucher" and body["details"] == "Cannot find voucher with id NOPE"


def test_listing_vouchers_pages_and_filters(api):
    campaign = make_campaign(name="Listed")
    customer = make_customer(source_id="shopper")
    for n in range(12):
        make_voucher(code=f"L-{n:02d}", campaign=campaign if n % 2 else None, holder=customer if n == 3 else None)
    # No query per row: a page of ten costs what a page of two does.
    assert queries_for(api, "/v1/vouchers", {"limit": 10}) == queries_for(api, "/v1/vouchers", {"limit": 2})
    first = api.get("/v1/vouchers").json()
    assert first["object"] == "list" and first["data_ref"] == "vouchers" and first["total"] == 12
    assert len(first["vouchers"]) == 10
    V.VouchersListResponseBody.from_dict(first)
    second = api.get("/v1/vouchers", {"page": 2, "limit": 10}).json()
    assert len(second["vouchers"]) == 2
    codes = {v["code"] for v in first["vouchers"] + second["vouchers"]}
    assert len(codes) == 12
    assert api.get("/v1/vouchers", {"campaign": "Listed"}).json()["total"] == 6
    assert api.get("/v1/vouchers", {"campaign_id": campaign.id, "limit": 100}).json()["total"] == 6
    assert [v["code"] for v in api.get("/v1/vouchers", {"customer": "shopper"}).json()["vouchers"]] == ["L-03"]
    assert api.get("/v1/vouchers", {"order": "code", "limit": 1}).json()["vouchers"][0]["code"] == "L-00"
    assert api.get("/v1/vouchers", {"ids": "['L-01', 'L-02']"}).json()["total"] == 2
    assert api.get("/v1/vouchers", {"ids": "L-01,L-02,L-03"}).json()["total"] == 3
    assert api.get("/v1/vouchers", {"created_at[after]": "2000-01-01T00:00:00+00:00"}).json()["total"] == 12


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"page": 0}, {"order": "price"}, {"created_at[before]": "x"}],
)
def test_bad_list_parameters_are_a_400_invalid_query_params(api, params):
    assert_error_shape(api.get("/v1/vouchers", params), 400, "invalid_query_params")


def test_updating_a_voucher_changes_only_what_is_sent_and_ignores_type(api):
    card = make_gift_card(amount=5000, code="CARD")
    response = api.put(
        "/v1/vouchers/CARD",
        {"type": "DISCOUNT_VOUCHER", "metadata": {"a": 1}, "expiration_date": "2030-01-01T00:00:00Z", "gift": None},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "GIFT_VOUCHER" and body["gift"]["balance"] == 5000
    assert body["metadata"] == {"a": 1} and body["expiration_date"] == "2030-01-01T00:00:00.000Z"
    card.refresh_from_db()
    assert card.type == "GIFT_VOUCHER" and card.active is True
    assert Event.objects.filter(type="voucher.updated", resource_id=card.id).exists()


def test_a_quantity_below_what_was_redeemed_is_refused(api):
    make_voucher(code="USED", redemption_quantity=5, redeemed_quantity=3)
    assert_error_shape(api.put("/v1/vouchers/USED", {"redemption": {"quantity": 2}}), 400, "invalid_voucher")
    assert api.put("/v1/vouchers/USED", {"redemption": {"quantity": 3}}).json()["redemption"]["quantity"] == 3


def test_disabling_and_enabling_a_voucher(api):
    voucher = make_voucher(code="TOGGLE")
    assert api.post("/v1/vouchers/TOGGLE/disable").json()["active"] is False
    voucher.refresh_from_db()
    assert voucher.active is False
    assert api.post("/v1/vouchers/TOGGLE/enable").json()["active"] is True
    assert list(
        Event.objects.filter(resource_id=voucher.id).values_list("type", flat=True).order_by("occurred_at")
    ) == [
        "voucher.disabled",
        "voucher.enabled",
    ]


def test_deleting_a_voucher_puts_it_in_the_bin_and_force_deletes_it(api):
    voucher = make_voucher(code="BIN")
    response = api.delete("/v1/vouchers/BIN")
    assert response.status_code == 204 and response.content == b""
    voucher.refresh_from_db()
    assert voucher.deleted_at is not None
    assert_error_shape(api.get("/v1/vouchers/BIN"), 404, "not_found")
    assert api.get("/v1/vouchers").json()["total"] == 0
    assert api.delete("/v1/vouchers/BIN?force=true").status_code == 204
    assert not Voucher.objects.filter(pk=voucher.pk).exists()
    assert_error_shape(api.delete("/v1/vouchers/BIN"), 404, "not_found")


def test_a_gift_balance_change_moves_amount_and_balance_together(api):
    card = make_gift_card(amount=10_000, code="TOPUP", redeemed_amount=4_000)
    Voucher.objects.filter(pk=card.pk).update(gift_balance=6_000)
    response = api.post("/v1/vouchers/TOPUP/balance", {"amount": 2_500, "reason": "goodwill", "source_id": "t-1"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "amount": 2500,
        "total": 12500,
        "balance": 8500,
        "type": "gift_voucher",
        "operation_type": "MANUAL",
        "object": "balance",
        "related_object": {"id": card.id, "type": "voucher"},
    }
    V.VouchersBalanceUpdateResponseBody.from_dict(response.json())
    card.refresh_from_db()
    assert (card.gift_amount, card.gift_balance) == (12_500, 8_500)
    assert card.gift_balance == card.gift_amount - card.redeemed_amount
    tx = VoucherTransaction.objects.get(voucher=card, source="MANUAL")
    assert (tx.amount, tx.balance_after, tx.reason) == (2500, 8500, "goodwill")
    assert Event.objects.get(type="voucher.balance.updated").data["balance"] == 8500

    api.post("/v1/vouchers/TOPUP/balance", {"amount": -8_500})
    card.refresh_from_db()
    assert (card.gift_amount, card.gift_balance) == (4_000, 0)


def test_a_balance_change_below_zero_or_below_locked_credits_is_refused(api):
    card = make_gift_card(amount=1_000, code="SMALL")
    body = assert_error_shape(api.post("/v1/vouchers/SMALL/balance", {"amount": -1_001}), 400, "invalid_voucher")
    assert "below zero" in body["details"]
    Voucher.objects.filter(pk=card.pk).update(locked_credits=600)
    assert_error_shape(api.post("/v1/vouchers/SMALL/balance", {"amount": -500}), 400, "invalid_voucher")
    card.refresh_from_db()
    assert (card.gift_amount, card.gift_balance) == (1_000, 1_000)
    assert not VoucherTransaction.objects.filter(source="MANUAL").exists()


@pytest.mark.parametrize("body", [{}, {"amount": 0}, {"amount": "5"}, {"amount": 1.5}, {"amount": 10**30}])
def test_a_bad_balance_body_is_a_400(api, body):
    make_gift_card(code="G")
    assert_error_shape(api.post("/v1/vouchers/G/balance", body), 400, "invalid_payload")


def test_a_balance_change_on_a_discount_voucher_is_refused(api):
    make_voucher(code="DISC")
    assert_error_shape(api.post("/v1/vouchers/DISC/balance", {"amount": 5}), 400, "invalid_voucher")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_balance_withdrawals_never_take_a_card_below_zero(credentials):
    from tests.api.conftest import JsonClient

    card = make_gift_card(amount=5_000, code="RACE")

    def withdraw(_):
        try:
            return JsonClient(credentials).post("/v1/vouchers/RACE/balance", {"amount": -1_000}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(withdraw, range(8)))
    assert statuses == [200] * 5 + [400] * 3
    card.refresh_from_db()
    assert (card.gift_amount, card.gift_balance) == (0, 0)
    assert VoucherTransaction.objects.filter(voucher=card, source="MANUAL").count() == 5
