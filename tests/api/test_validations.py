"""POST /v1/validations: stacks, LOCK sessions, stacking modes and bad bodies, through the raw API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import Customer, Order, Voucher
from redemptions.models import Redemption, Validation
from sessions.models import SessionLock, ValidationSession
from tests.factories import make_gift_card, make_voucher
from tests.redemptions.factories import body, make_category, make_tier, parses, stacking, tier, voucher

pytestmark = pytest.mark.django_db


def lock(key: str | None = None, **extra) -> dict:
    session = {"type": "LOCK", **extra}
    if key:
        session["key"] = key
    return session


def validate(api, request: dict) -> dict:
    response = api.post("/v1/validations", request)
    assert response.status_code == 200, response.content
    answer = response.json()
    parses("ValidationsValidateResponseBody", answer)
    return answer


def test_a_shopper_validates_a_stack_and_locks_it_in_a_session(api):
    code = make_voucher(code="TEN", percent_off=10, redemption_quantity=5)
    card = make_gift_card(code="CARD", amount=5_000)
    promo = make_tier(percent_off=5)

    answer = validate(
        api,
        body(voucher("TEN"), voucher("CARD", gift={"credits": 3_000}), tier(promo.id), amount=20_000, session=lock()),
    )

    assert answer["valid"] is True
    assert [(r["id"], r["status"]) for r in answer["redeemables"]] == [
        ("TEN", "APPLICABLE"),
        ("CARD", "APPLICABLE"),
        (promo.id, "APPLICABLE"),
    ]
    assert answer["redeemables"][0]["result"]["discount"] == {
        "type": "PERCENT",
        "effect": "APPLY_TO_ORDER",
        "percent_off": 10,
    }
    assert answer["redeemables"][1]["result"]["gift"] == {"balance": 5_000, "credits": 3_000}
    # 10% and 5% of 200.00 by the initial amount, then the gift card pays 30.00 of the rest
    assert answer["order"]["amount"] == 20_000
    assert answer["order"]["total_discount_amount"] == 2_000 + 1_000 + 3_000
    assert answer["order"]["total_amount"] == 14_000
    assert answer["stacking_rules"]["redeemables_application_mode"] == "ALL"
    session = answer["session"]
    assert session["key"].startswith("ssn_") and session["type"] == "LOCK"
    assert (session["ttl"], session["ttl_unit"]) == (7, "DAYS")

    code.refresh_from_db()
    card.refresh_from_db()
    assert (code.locked_quantity, code.locked_credits) == (1, 0)
    assert (card.locked_quantity, card.locked_credits) == (1, 3_000)
    stored = ValidationSession.objects.get(pk=session["key"])
    assert stored.status == "ACTIVE" and stored.customer.source_id == "shopper-1"
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    assert sorted(SessionLock.objects.filter(session=stored).values_list("voucher__code", "credits")) == [
        ("CARD", 3_000),
        ("TEN", 0),
    ]
    validation = Validation.objects.get(pk=answer["id"])
    assert validation.valid and validation.session_key == stored.key
    assert (validation.applicable_count, validation.inapplicable_count, validation.skipped_count) == (3, 0, 0)
    assert [item["id"] for item in validation.redeemables] == ["TEN", "CARD", promo.id]
    assert Event.objects.filter(type="voucher.validated").count() == 3
    assert Event.objects.filter(type="session.created", resource_id=stored.key).exists()
    assert not Redemption.objects.exists()  # a validation redeems nothing


def test_a_second_customer_is_blocked_by_the_lock_but_the_holder_is_not(api):
    make_voucher(code="LAST", redemption_quantity=1)
    held = validate(api, body(voucher("LAST"), customer="first", session=lock("ssn_first")))
    assert held["valid"] is True

    other = validate(api, body(voucher("LAST"), customer="second", session=lock()))
    assert other["valid"] is False
    assert other["inapplicable_redeemables"][0]["result"]["error"]["key"] == "quantity_exceeded"
    assert "session" not in other  # nothing was locked for them
    refused = api.post("/v1/redemptions", body(voucher("LAST"), customer="second"))
    assert (refused.status_code, refused.json()["key"]) == (400, "quantity_exceeded")

    again = validate(api, body(voucher("LAST"), customer="first", session=lock("ssn_first")))
    assert again["valid"] is True and again["session"]["key"] == "ssn_first"
    assert Voucher.objects.get(code="LAST").locked_quantity == 1  # overridden, not doubled


def test_the_same_key_overrides_what_the_session_locked(api):
    make_voucher(code="A", redemption_quantity=1)
    make_voucher(code="B", redemption_quantity=1)
    validate(api, body(voucher("A"), voucher("B"), session=lock("ssn_cart")))

    validate(api, body(voucher("B"), session=lock("ssn_cart", ttl=2, ttl_unit="HOURS")))

    a, b = Voucher.objects.get(code="A"), Voucher.objects.get(code="B")
    assert (a.locked_quantity, b.locked_quantity) == (0, 1)
    session = ValidationSession.objects.get(pk="ssn_cart")
    assert session.ttl_unit == "HOURS" and session.expires_at - timezone.now() < timedelta(hours=2)
    assert list(session.locks.filter(released_at__isnull=True).values_list("voucher__code", flat=True)) == ["B"]
    # A is free for everyone again
    assert api.post("/v1/redemptions", body(voucher("A"), customer="someone-else")).status_code == 200


def test_an_expired_session_blocks_nobody_even_before_the_sweeper_runs(api):
    make_voucher(code="LAST", redemption_quantity=1)
    validate(api, body(voucher("LAST"), customer="first", session=lock("ssn_old", ttl=1, ttl_unit="SECONDS")))
    ValidationSession.objects.filter(pk="ssn_old").update(expires_at=timezone.now() - timedelta(seconds=1))

    assert validate(api, body(voucher("LAST"), customer="second"))["valid"] is True
    response = api.post("/v1/redemptions", body(voucher("LAST"), customer="second"))

    assert response.status_code == 200
    voucher_row = Voucher.objects.get(code="LAST")
    assert (voucher_row.redeemed_quantity, voucher_row.locked_quantity) == (1, 0)
    session = ValidationSession.objects.get(pk="ssn_old")
    assert (session.status, session.release_reason) == ("EXPIRED", "EXPIRED")


@pytest.mark.parametrize(
    "ttl, unit, lifetime",
    [
        (3, "DAYS", timedelta(days=3)),
        (2, "HOURS", timedelta(hours=2)),
        (1.5, "HOURS", timedelta(minutes=90)),
        (45, "MINUTES", timedelta(minutes=45)),
        (30, "SECONDS", timedelta(seconds=30)),
        (90_000, "MILLISECONDS", timedelta(seconds=90)),
        (5_000_000, "MICROSECONDS", timedelta(seconds=5)),
        (7_000_000_000, "NANOSECONDS", timedelta(seconds=7)),
    ],
)
def test_a_session_lives_for_its_ttl_in_every_unit(api, ttl, unit, lifetime):
    make_voucher(code="TTL")
    answer = validate(api, body(voucher("TTL"), session=lock(ttl=ttl, ttl_unit=unit)))

    assert answer["session"]["ttl"] == ttl and answer["session"]["ttl_unit"] == unit
    session = ValidationSession.objects.get(pk=answer["session"]["key"])
    assert session.ttl == Decimal(str(ttl)) and session.ttl_unit == unit
    assert session.expires_at - session.created_at == lifetime


def test_a_session_without_ttl_unit_counts_days_and_a_client_key_is_kept(api):
    make_voucher(code="TTL")
    answer = validate(api, body(voucher("TTL"), session=lock("my-own-key", ttl=2)))

    assert answer["session"] == {"key": "my-own-key", "type": "LOCK", "ttl": 2, "ttl_unit": "DAYS"}


def test_partial_mode_applies_what_it_can_and_lists_the_rest(api):
    stacking(redeemables_application_mode="PARTIAL")
    make_voucher(code="GOOD", discount_type="AMOUNT", percent_off=None, amount_off=1_000)
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))

    answer = validate(api, body(voucher("OLD"), voucher("GOOD")))

    assert answer["valid"] is True
    assert [r["id"] for r in answer["redeemables"]] == ["GOOD"]
    assert [r["id"] for r in answer["inapplicable_redeemables"]] == ["OLD"]
    assert answer["inapplicable_redeemables"][0]["result"]["details"]["key"] == "voucher_expired"
    assert answer["order"]["total_amount"] == 9_000
    assert answer["stacking_rules"]["redeemables_application_mode"] == "PARTIAL"


def test_all_mode_skips_the_good_ones_when_one_fails(api):
    make_voucher(code="GOOD")
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))

    answer = validate(api, body(voucher("GOOD"), voucher("OLD")))

    assert answer["valid"] is False
    assert [(r["id"], r["status"]) for r in answer["redeemables"]] == [("GOOD", "SKIPPED"), ("OLD", "INAPPLICABLE")]
    skipped = answer["skipped_redeemables"][0]["result"]["details"]
    assert skipped == {"key": "preceding_validation_failed", "message": "Preceding validation failed"}
    assert answer["order"]["total_discount_amount"] == 0


def test_category_hierarchy_decides_the_order_discounts_apply_in(api):
    stacking(redeemables_sorting_rule="CATEGORY_HIERARCHY", default_discount_calculation="DISCOUNTED_AMOUNT")
    first, second = make_category(hierarchy=1), make_category(hierarchy=2)
    make_voucher(code="AMOUNT", discount_type="AMOUNT", percent_off=None, amount_off=1_000, category=second)
    make_voucher(code="PERCENT", percent_off=10, category=first)

    answer = validate(api, body(voucher("AMOUNT"), voucher("PERCENT"), amount=10_000))

    by_id = {r["id"]: r for r in answer["redeemables"]}
    # PERCENT (hierarchy 1) applies first on 100.00, AMOUNT then takes 10.00 of the 90.00 left
    assert by_id["PERCENT"]["order"]["total_amount"] == 9_000
    assert by_id["AMOUNT"]["order"]["total_amount"] == 8_000
    assert answer["order"]["total_amount"] == 8_000
    assert by_id["PERCENT"]["categories"][0]["hierarchy"] == 1
    assert [r["id"] for r in answer["redeemables"]] == ["AMOUNT", "PERCENT"]  # listed as requested


def test_an_exclusive_category_skips_the_regular_codes(api):
    exclusive = make_category(stacking_rules_type="EXCLUSIVE")
    make_voucher(code="SOLO", category=exclusive)
    make_voucher(code="REGULAR")

    answer = validate(api, body(voucher("SOLO"), voucher("REGULAR")))

    assert answer["valid"] is True
    assert [r["id"] for r in answer["skipped_redeemables"]] == ["REGULAR"]
    assert answer["skipped_redeemables"][0]["result"]["details"]["key"] == "exclusion_rules_not_met"
    assert answer["redeemables"][0]["categories"][0]["stacking_rules_type"] == "EXCLUSIVE"


def test_the_sdk_style_explicit_nulls_mean_absent(api):
    make_voucher(code="NULLS")
    request = {
        "redeemables": [{"object": "voucher", "id": "NULLS", "gift": None, "reward": None}],
        "order": {"id": None, "source_id": "order-1", "amount": 5_000, "items": None, "metadata": None},
        "customer": {"id": None, "source_id": "nulls", "name": None, "metadata": None},
        "session": None,
        "tracking_id": None,
        "metadata": None,
        "options": None,
    }

    answer = validate(api, request)

    assert answer["valid"] is True and answer["order"]["source_id"] == "order-1"
    assert Order.objects.get(source_id="order-1").amount == 5_000


def test_an_order_with_items_is_stored_with_its_lines(api):
    make_voucher(code="ITEMS")
    items = [
        {"sku_id": "sku_1", "related_object": "sku", "quantity": 2, "price": 2_500},
        {"product_id": "p", "amount": 5_000},
    ]

    answer = validate(api, body(voucher("ITEMS"), amount=None, order={"source_id": "with-items", "items": items}))

    assert answer["order"]["amount"] == 10_000
    assert [line["amount"] for line in answer["order"]["items"]] == [5_000, 5_000]
    assert Order.objects.get(source_id="with-items").items[0]["object"] == "order_item"


def _no_rows():
    return (
        Validation.objects.count(),
        Redemption.objects.count(),
        Order.objects.count(),
        Customer.objects.count(),
        Event.objects.count(),
        ValidationSession.objects.count(),
    ) == (0, 0, 0, 0, 0, 0)


BAD_BODIES = {
    "not json": "{redeemables",
    "no redeemables": {"order": {"amount": 100}},
    "empty redeemables": {"redeemables": []},
    "redeemables not a list": {"redeemables": {"object": "voucher", "id": "X"}},
    "redeemable without id": {"redeemables": [{"object": "voucher"}]},
    "unknown redeemable object": {"redeemables": [{"object": "coupon", "id": "X"}]},
    "id of the wrong type": {"redeemables": [{"object": "voucher", "id": 12}]},
    "amount as text": {"redeemables": [{"object": "voucher", "id": "X"}], "order": {"amount": "100"}},
    "amount as float": {"redeemables": [{"object": "voucher", "id": "X"}], "order": {"amount": 10.5}},
    "huge amount": {"redeemables": [{"object": "voucher", "id": "X"}], "order": {"amount": 10**30}},
    "huge quantity": {"redeemables": [{"object": "voucher", "id": "X"}], "order": {"items": [{"quantity": 10**20}]}},
    "unknown order status": {"redeemables": [{"object": "voucher", "id": "X"}], "order": {"status": "LOST"}},
    "customer not an object": {"redeemables": [{"object": "voucher", "id": "X"}], "customer": "bob"},
    "negative ttl": {"redeemables": [{"object": "voucher", "id": "X"}], "session": {"type": "LOCK", "ttl": -1}},
    "unknown ttl unit": {
        "redeemables": [{"object": "voucher", "id": "X"}],
        "session": {"type": "LOCK", "ttl_unit": "WEEKS"},
    },
    "NUL in metadata": {"redeemables": [{"object": "voucher", "id": "X"}], "metadata": {"note": "a\u0000b"}},
    "a code longer than any": {"redeemables": [{"object": "voucher", "id": "X" * 101}]},
    "endless ttl": {"redeemables": [{"object": "voucher", "id": "X"}], "session": {"type": "LOCK", "ttl": 10**14}},
    "31 redeemables": {"redeemables": [{"object": "voucher", "id": f"C{i}"} for i in range(31)]},
    "a body that is a list": [{"object": "voucher", "id": "X"}],
}


@pytest.mark.parametrize("path", ["/v1/validations", "/v1/redemptions"])
@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_a_bad_body_is_refused_with_the_error_shape_and_writes_nothing(api, path, name):
    make_voucher(code="X")
    before = Voucher.objects.count()
    bad = BAD_BODIES[name]
    response = api.post(path, raw=bad) if isinstance(bad, str) else api.post(path, bad)

    assert response.status_code == 400, response.content
    error = response.json()
    assert error["key"] == "invalid_payload" and isinstance(error["details"], str)
    assert error["request_id"] == response["X-Request-Id"]
    assert _no_rows() and Voucher.objects.count() == before


def test_the_same_redeemable_twice_is_refused(api):
    make_voucher(code="TWICE")
    response = api.post("/v1/validations", body(voucher("TWICE"), voucher("TWICE")))

    assert (response.status_code, response.json()["key"]) == (400, "duplicated_redeemables")
    assert _no_rows()


def test_more_redeemables_than_the_stacking_rules_allow_is_refused(api):
    stacking(redeemables_limit=2, applicable_redeemables_limit=2)
    for code in "ABC":
        make_voucher(code=code)

    response = api.post("/v1/redemptions", body(voucher("A"), voucher("B"), voucher("C")))

    assert (response.status_code, response.json()["key"]) == (400, "invalid_payload")
    assert "redeemables_limit" in response.json()["details"]
    assert _no_rows()


def test_an_unknown_promotion_stack_is_not_found_and_writes_nothing(api):
    response = api.post("/v1/validations", body({"object": "promotion_stack", "id": "stack_1"}))

    assert (response.status_code, response.json()["key"]) == (404, "not_found")
    assert response.json()["details"] == "Cannot find promotion stack with id stack_1"
    assert _no_rows()


def test_an_unknown_customer_id_is_not_found_and_writes_nothing(api):
    make_voucher(code="X")
    response = api.post("/v1/validations", {"redeemables": [voucher("X")], "customer": {"id": "cust_nope"}})

    assert (response.status_code, response.json()["key"]) == (404, "not_found")
    assert _no_rows()


def test_unknown_fields_are_ignored(api):
    make_voucher(code="X")
    request = body(voucher("X", colour="red"), shoe_size=44)
    request["order"]["weather"] = "sunny"

    assert validate(api, request)["valid"] is True
