"""POST /v1/redemptions, rollbacks, session release and the read endpoints, through the raw API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import Order, VoucherTransaction
from redemptions.models import Redemption, Rollback
from redemptions.services import evaluation
from redemptions.services.redemption import NOT_REDEEMED
from redemptions.services.rollback import add_months
from sessions.models import ValidationSession
from tests.factories import make_campaign, make_gift_card, make_voucher
from tests.redemptions.factories import body, make_tier, parses, stacking, tier, voucher

pytestmark = pytest.mark.django_db


def redeem(api, request: dict) -> dict:
    response = api.post("/v1/redemptions", request)
    assert response.status_code == 200, response.content
    answer = response.json()
    parses("RedemptionsRedeemResponseBody", answer)
    return answer


def test_a_single_code_is_redeemed_and_counted(api):
    code = make_voucher(code="TEN", percent_off=10, redemption_quantity=3)

    answer = redeem(api, body(voucher("TEN"), amount=25_000, metadata={"store": "web"}, tracking_id="track-1"))

    [redemption] = answer["redemptions"]
    assert redemption["id"].startswith("r_") and "parent_redemption" not in answer
    assert (redemption["result"], redemption["status"]) == ("SUCCESS", "SUCCEEDED")
    assert redemption["amount"] == 2_500 and redemption["tracking_id"] == "track-1"
    assert redemption["related_object_type"] == "voucher" and redemption["related_object_id"] == code.id
    assert redemption["voucher"]["code"] == "TEN" and redemption["voucher"]["redemption"]["redeemed_quantity"] == 1
    assert redemption["metadata"] == {"store": "web"}
    assert redemption["channel"] == {"channel_id": "Test shop", "channel_type": "API"}
    order = answer["order"]
    assert (order["status"], order["amount"], order["total_discount_amount"], order["total_amount"]) == (
        "PAID",
        25_000,
        2_500,
        22_500,
    )
    assert list(order["redemptions"]) == [redemption["id"]]
    code.refresh_from_db()
    assert code.redeemed_quantity == 1
    assert Event.objects.filter(type="redemption.succeeded", resource_id=redemption["id"]).exists()


def test_redeeming_with_the_session_key_uses_the_lock_and_releases_the_session(api):
    code = make_voucher(code="LAST", redemption_quantity=1)
    card = make_gift_card(code="CARD", amount=5_000)
    validation = api.post(
        "/v1/validations",
        body(voucher("LAST"), voucher("CARD", gift={"credits": 4_000}), session={"type": "LOCK"}),
    ).json()
    key = validation["session"]["key"]

    answer = redeem(
        api, body(voucher("LAST"), voucher("CARD", gift={"credits": 4_000}), session={"type": "LOCK", "key": key})
    )

    assert [r["session"] for r in answer["redemptions"]] == [{"key": key}, {"key": key}]
    code.refresh_from_db()
    card.refresh_from_db()
    assert (code.redeemed_quantity, code.locked_quantity) == (1, 0)
    assert (card.gift_balance, card.locked_credits, card.redeemed_amount) == (1_000, 0, 4_000)
    session = ValidationSession.objects.get(pk=key)
    assert (session.status, session.release_reason) == ("RELEASED", "REDEEMED")
    assert not session.locks.filter(released_at__isnull=True).exists()
    assert Event.objects.filter(type="session.released", resource_id=key).exists()


def test_a_stacked_redemption_has_a_parent_and_one_child_per_redeemable(api):
    make_voucher(code="TEN", percent_off=10)
    card = make_gift_card(code="CARD", amount=3_000)
    promo = make_tier(percent_off=5)

    answer = redeem(api, body(voucher("TEN"), tier(promo.id), voucher("CARD"), amount=20_000))

    parent = answer["parent_redemption"]
    assert parent["id"].startswith("r_") and parent["related_object_type"] == "redemption"
    assert parent["amount"] == 2_000 + 1_000 + 3_000
    children = answer["redemptions"]
    assert [c["related_object_type"] for c in children] == ["voucher", "promotion_tier", "voucher"]
    assert {c["redemption"] for c in children} == {parent["id"]}
    assert [c["amount"] for c in children] == [2_000, 1_000, 3_000]  # the card takes its whole balance
    assert children[1]["promotion_tier"]["id"] == promo.id
    assert children[2]["gift"] == {"amount": 3_000}
    assert sorted(r["id"] for r in parent["related_redemptions"]["redemptions"]) == sorted(c["id"] for c in children)
    assert answer["order"]["redemptions"][parent["id"]]["stacked"] == [c["id"] for c in children]
    card.refresh_from_db()
    assert card.gift_balance == 0
    assert VoucherTransaction.objects.get(voucher=card, source="REDEMPTION").balance_after == 0
    stored = api.get(f"/v1/redemptions/{parent['id']}").json()
    parses("RedemptionsGetResponseBody", stored)
    assert len(stored["related_redemptions"]["redemptions"]) == 3


def test_partial_mode_redeems_the_applicable_ones_and_keeps_the_failed_attempt(api):
    stacking(redeemables_application_mode="PARTIAL")
    make_voucher(code="GOOD")
    make_voucher(code="OFF", active=False)

    answer = redeem(api, body(voucher("GOOD"), voucher("OFF")))

    assert [r["voucher"]["code"] for r in answer["redemptions"]] == ["GOOD"]
    assert answer["parent_redemption"]["related_object_type"] == "redemption"
    [inapplicable] = answer["inapplicable_redeemables"]
    assert inapplicable["id"] == "OFF" and inapplicable["result"]["error"]["key"] == "voucher_disabled"
    failed = Redemption.objects.get(result="FAILURE")
    assert failed.voucher_code == "OFF" and failed.failure_code == "voucher_disabled" and failed.parent_id is None


def test_a_failed_stack_redeems_nothing_and_stores_an_attempt_per_redeemable(api):
    good = make_voucher(code="GOOD", redemption_quantity=5)
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))

    response = api.post("/v1/redemptions", body(voucher("GOOD"), voucher("OLD")))

    assert response.status_code == 400
    error = response.json()
    [parent] = Redemption.objects.filter(related_object_type="redemption")
    attempts = {r.voucher_code: r for r in Redemption.objects.filter(parent=parent)}
    assert error["key"] == "voucher_expired" and error["resource_id"] == attempts["OLD"].id
    # Every attempt carries the call's failure code, as the platform answers for the whole call; the one
    # that did not fail itself says so in its message.
    assert {code: (r.failure_code, r.failure_message) for code, r in attempts.items()} == {
        "GOOD": ("voucher_expired", NOT_REDEEMED),
        "OLD": ("voucher_expired", "Voucher expired"),
    }
    # Like a successful stack, the attempts hang under one parent (rf_ here), which carries the failure.
    assert parent.id.startswith("rf_") and (parent.result, parent.failure_code) == ("FAILURE", "voucher_expired")
    assert all(r.id.startswith("rf_") and r.created_at == parent.created_at for r in attempts.values())
    assert Redemption.objects.count() == 3
    stored = api.get(f"/v1/redemptions/{parent.id}").json()
    parses("RedemptionsGetResponseBody", stored)
    assert stored["related_object_type"] == "redemption" and stored["failure_code"] == "voucher_expired"
    assert sorted(r["id"] for r in stored["related_redemptions"]["redemptions"]) == sorted(
        r.id for r in attempts.values()
    )
    child = api.get(f"/v1/redemptions/{attempts['GOOD'].id}").json()
    parses("RedemptionsGetResponseBody", child)
    assert (child["redemption"], child["failure_code"]) == (parent.id, "voucher_expired")
    good.refresh_from_db()
    assert good.redeemed_quantity == 0


def test_a_failed_stack_in_partial_mode_keeps_each_attempts_own_failure(api):
    stacking(redeemables_application_mode="PARTIAL")
    make_voucher(code="OFF", active=False)
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))

    response = api.post("/v1/redemptions", body(voucher("OFF"), voucher("OLD")))

    assert response.status_code == 400 and response.json()["key"] == "voucher_disabled"
    [parent] = Redemption.objects.filter(related_object_type="redemption")
    attempts = Redemption.objects.filter(parent=parent)
    # Nothing applied, but each failed for a reason of its own: no attempt says another one failed.
    assert {r.voucher_code: (r.failure_code, r.failure_message) for r in attempts} == {
        "OFF": ("voucher_disabled", "Voucher was disabled"),
        "OLD": ("voucher_expired", "Voucher expired"),
    }
    assert parent.failure_code == "voucher_disabled"


def _redeemed(api, *redeemables, **kw) -> dict:
    return redeem(api, body(*redeemables, **kw))


def test_rolling_back_a_gift_card_redemption_restores_quantity_and_balance(api):
    card = make_gift_card(code="CARD", amount=5_000, redemption_quantity=2)
    [redemption] = _redeemed(api, voucher("CARD", gift={"credits": 2_000}))["redemptions"]

    response = api.post(f"/v1/redemptions/{redemption['id']}/rollback?reason=Items%20returned&tracking_id=t-9", {})

    assert response.status_code == 200, response.content
    rollback = response.json()
    parses("RedemptionsRollbackCreateResponseBody", rollback)
    assert rollback["id"].startswith("rr_") and rollback["object"] == "redemption_rollback"
    assert (rollback["result"], rollback["status"], rollback["amount"]) == ("SUCCESS", "SUCCEEDED", -2_000)
    assert rollback["redemption"] == redemption["id"] and rollback["reason"] == "Items returned"
    assert rollback["tracking_id"] == "t-9" and rollback["order"]["status"] == "CANCELED"
    card.refresh_from_db()
    assert (card.redeemed_quantity, card.gift_balance, card.redeemed_amount) == (0, 5_000, 0)
    back = VoucherTransaction.objects.get(voucher=card, source="ROLLBACK")
    assert (back.amount, back.balance_after, back.related_object_id) == (2_000, 5_000, rollback["id"])
    original = api.get(f"/v1/redemptions/{redemption['id']}").json()
    assert original["status"] == "ROLLED_BACK"
    assert original["related_redemptions"]["rollbacks"][0]["id"] == rollback["id"]
    assert Event.objects.filter(type="redemption.rollback.succeeded", resource_id=rollback["id"]).exists()


def test_a_rolled_back_redemption_cannot_be_rolled_back_again(api):
    make_voucher(code="TEN")
    [redemption] = _redeemed(api, voucher("TEN"))["redemptions"]
    assert api.post(f"/v1/redemptions/{redemption['id']}/rollback").status_code == 200

    response = api.post(f"/v1/redemptions/{redemption['id']}/rollback?reason=again")

    assert response.status_code == 400
    error = response.json()
    refused = Rollback.objects.get(result="FAILURE")
    assert error["key"] == "already_rolled_back"
    assert (error["resource_type"], error["resource_id"]) == ("redemption_rollback", refused.id)
    assert refused.id.startswith("rrf_") and refused.failure_code == "already_rolled_back"
    assert Event.objects.filter(type="redemption.rollback.failed", resource_id=refused.id).exists()
    assert Rollback.objects.filter(result="SUCCESS").count() == 1


def test_a_rollback_older_than_three_calendar_months_is_refused(api):
    code = make_voucher(code="OLD-ORDER")
    [redemption] = _redeemed(api, voucher("OLD-ORDER"))["redemptions"]
    long_ago = add_months(timezone.now(), -3) - timedelta(minutes=1)
    Redemption.objects.filter(pk=redemption["id"]).update(created_at=long_ago)

    response = api.post(f"/v1/redemptions/{redemption['id']}/rollback")

    assert (response.status_code, response.json()["key"]) == (400, "rollback_period_expired")
    assert Rollback.objects.get().id.startswith("rrf_")
    code.refresh_from_db()
    assert code.redeemed_quantity == 1


def test_a_rollback_just_inside_three_calendar_months_is_accepted(api):
    make_voucher(code="RECENT")
    [redemption] = _redeemed(api, voucher("RECENT"))["redemptions"]
    Redemption.objects.filter(pk=redemption["id"]).update(
        created_at=add_months(timezone.now(), -3) + timedelta(minutes=5)
    )

    assert api.post(f"/v1/redemptions/{redemption['id']}/rollback").status_code == 200


@pytest.mark.parametrize(
    "start, months, end",
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 1, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2025, 11, 30, 8, 15, tzinfo=UTC), 3, datetime(2026, 2, 28, 8, 15, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), -3, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 3, 15, tzinfo=UTC), 3, datetime(2026, 6, 15, tzinfo=UTC)),
    ],
)
def test_calendar_months_are_added_with_the_day_clamped(start, months, end):
    assert add_months(start, months) == end


def test_a_stacked_redemption_is_rolled_back_as_a_whole(api):
    first = make_voucher(code="A", redemption_quantity=1)
    card = make_gift_card(code="CARD", amount=2_000)
    answer = _redeemed(api, voucher("A"), voucher("CARD"), amount=10_000)
    parent_id = answer["parent_redemption"]["id"]
    child_id = answer["redemptions"][0]["id"]

    refused_child = api.post(f"/v1/redemptions/{child_id}/rollback").json()
    refused_parent = api.post(f"/v1/redemptions/{parent_id}/rollback").json()
    response = api.post(f"/v1/redemptions/{parent_id}/rollbacks?reason=Canceled")

    assert refused_child["key"] == "invalid_redemption_parent"
    assert refused_parent["key"] == "invalid_redemption"
    assert response.status_code == 200, response.content
    rollbacks = response.json()
    parses("RedemptionsRollbacksCreateResponseBody", rollbacks)
    assert rollbacks["parent_rollback"]["redemption"] == parent_id
    assert rollbacks["parent_rollback"]["amount"] == -2_000
    assert sorted(rb["redemption"] for rb in rollbacks["rollbacks"]) == sorted(r["id"] for r in answer["redemptions"])
    assert rollbacks["order"]["status"] == "CANCELED"
    first.refresh_from_db()
    card.refresh_from_db()
    assert (first.redeemed_quantity, card.gift_balance) == (0, 2_000)
    assert set(Redemption.objects.values_list("status", flat=True)) == {"ROLLED_BACK"}
    again = api.post(f"/v1/redemptions/{parent_id}/rollbacks")
    assert again.json()["key"] == "already_rolled_back"


def test_a_single_redemption_may_be_rolled_back_through_the_stacked_endpoint(api):
    make_voucher(code="ONE")
    [redemption] = _redeemed(api, voucher("ONE"))["redemptions"]

    response = api.post(f"/v1/redemptions/{redemption['id']}/rollbacks")

    assert response.status_code == 200
    assert [rb["redemption"] for rb in response.json()["rollbacks"]] == [redemption["id"]]
    assert "parent_rollback" not in response.json()


def test_rollback_refusals_that_store_nothing(api):
    make_voucher(code="ONE")
    [redemption] = _redeemed(api, voucher("ONE"), customer="owner")["redemptions"]
    failed = api.post("/v1/redemptions", body(voucher("NOPE"))).json()["resource_id"]
    failed_attempt = Redemption.objects.get(voucher_code="NOPE").id
    del failed

    unknown = api.post("/v1/redemptions/r_nope/rollback")
    wrong_customer = api.post(f"/v1/redemptions/{redemption['id']}/rollback", {"customer": {"source_id": "someone"}})
    wrong_order = api.post(f"/v1/redemptions/{redemption['id']}/rollback", {"order": {"source_id": "other-order"}})
    of_a_failure = api.post(f"/v1/redemptions/{failed_attempt}/rollback")

    assert (unknown.status_code, unknown.json()["key"], unknown.json()["resource_type"]) == (
        404,
        "not_found",
        "redemption",
    )
    assert wrong_customer.json()["key"] == "invalid_customer"
    assert wrong_order.json()["key"] == "invalid_order"
    assert of_a_failure.json()["key"] == "invalid_redemption"
    assert not Rollback.objects.exists()


def test_releasing_a_session_through_the_api_frees_the_voucher(api):
    code = make_voucher(code="LAST", redemption_quantity=1)
    key = api.post("/v1/validations", body(voucher("LAST"), session={"type": "LOCK", "key": "ssn_hold"})).json()[
        "session"
    ]["key"]

    response = api.delete(f"/v1/vouchers/LAST/sessions/{key}")

    assert response.status_code == 204 and response.content == b""
    code.refresh_from_db()
    assert code.locked_quantity == 0
    session = ValidationSession.objects.get(pk=key)
    assert (session.status, session.release_reason) == ("RELEASED", "API")
    assert redeem(api, body(voucher("LAST"), customer="someone-else"))["redemptions"]
    again = api.delete(f"/v1/vouchers/LAST/sessions/{key}")
    assert (again.status_code, again.json()["resource_type"]) == (404, "session")
    unknown_voucher = api.delete(f"/v1/vouchers/NOPE/sessions/{key}")
    assert (unknown_voucher.status_code, unknown_voucher.json()["resource_type"]) == (404, "voucher")


def test_the_redemptions_list_filters_and_pages_redemptions_and_rollbacks(api):
    spring = make_campaign(name="Spring")
    make_voucher(code="A", campaign=spring)
    make_voucher(code="B")
    first = _redeemed(api, voucher("A"), customer="alice")["redemptions"][0]
    _redeemed(api, voucher("B"), customer="bob")
    api.post("/v1/redemptions", body(voucher("MISSING"), customer="bob"))
    rollback = api.post(f"/v1/redemptions/{first['id']}/rollback").json()

    def listed(params=None) -> dict:
        response = api.get("/v1/redemptions", params)
        assert response.status_code == 200, response.content
        parses("RedemptionsListResponseBody", response.json())
        return response.json()

    everything = listed()
    assert everything["total"] == 4 and everything["data_ref"] == "redemptions"
    assert everything["redemptions"][0]["id"] == rollback["id"]  # newest first
    assert everything["redemptions"][0]["object"] == "redemption_rollback"
    assert [r["id"] for r in listed({"limit": 2, "page": 2})["redemptions"]] == [
        r["id"] for r in everything["redemptions"][2:4]
    ]
    assert [r["failure_code"] for r in listed({"result": "FAILURE"})["redemptions"]] == ["resource_not_found"]
    assert {r["customer"]["source_id"] for r in listed({"customer": "bob"})["redemptions"]} == {"bob"}
    assert {r["id"] for r in listed({"campaign": "Spring"})["redemptions"]} == {first["id"], rollback["id"]}
    in_list = listed({"filters[voucher_code][conditions][$in]": "['A', 'MISSING']", "filters[junction]": "and"})
    assert sorted(r["id"] for r in in_list["redemptions"]) == sorted(
        [first["id"], rollback["id"], Redemption.objects.get(voucher_code="MISSING").id]
    )
    only_redemptions = listed({"filters[object][conditions][$is]": "redemption", "order": "voucher_code"})
    assert [r.get("voucher", {}).get("code") for r in only_redemptions["redemptions"]] == ["A", "B", None]
    failed = listed({"filters[failure_code][conditions][$is]": "resource_not_found"})
    assert failed["total"] == 1
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert listed({"created_at[after]": future})["total"] == 0
    assert listed({"created_at[before]": future})["total"] == 4


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"page": "abc"},
        {"result": "MAYBE"},
        {"order": "amount"},
        {"created_at[before]": "yesterday"},
        {"filters[voucher_code][conditions][$like]": "A"},
        {"filters[colour][conditions][$is]": "red"},
        {"filters[voucher_code][conditions][$in]": "['A'"},
    ],
)
def test_a_bad_list_query_answers_invalid_query_params(api, params):
    response = api.get("/v1/redemptions", params)

    assert (response.status_code, response.json()["key"]) == (400, "invalid_query_params")


def test_get_a_redemption_a_failed_attempt_and_a_rollback(api):
    make_voucher(code="ONE")
    [redemption] = _redeemed(api, voucher("ONE"))["redemptions"]
    rollback = api.post(f"/v1/redemptions/{redemption['id']}/rollback").json()
    api.post("/v1/redemptions", body(voucher("NOPE")))
    failed_id = Redemption.objects.get(voucher_code="NOPE").id

    for entry_id in (redemption["id"], rollback["id"], failed_id):
        response = api.get(f"/v1/redemptions/{entry_id}")
        assert response.status_code == 200
        assert parses("RedemptionsGetResponseBody", response.json()).id == entry_id
    missing = api.get("/v1/redemptions/r_missing")
    assert (missing.status_code, missing.json()["key"]) == (404, "not_found")


def test_a_voucher_lists_its_redemption_entries(api):
    make_voucher(code="MANY", redemption_quantity=5)
    first = _redeemed(api, voucher("MANY"))["redemptions"][0]
    _redeemed(api, voucher("MANY"))
    api.post(f"/v1/redemptions/{first['id']}/rollback")

    response = api.get("/v1/vouchers/MANY/redemption")

    assert response.status_code == 200
    answer = response.json()
    parses("VouchersRedemptionGetResponseBody", answer)
    assert (answer["quantity"], answer["redeemed_quantity"], answer["total"]) == (5, 1, 3)
    assert [e["object"] for e in answer["redemption_entries"]] == ["redemption_rollback", "redemption", "redemption"]
    assert api.get("/v1/vouchers/NOPE/redemption").status_code == 404


def test_a_refused_database_write_becomes_a_failure_not_a_500(api, monkeypatch):
    """Behind the checks, the database constraint is the last line: it turns into quantity_exceeded."""
    make_voucher(code="FULL", redemption_quantity=1, redeemed_quantity=1)
    monkeypatch.setattr(evaluation, "_own_failure", lambda *args: None)

    response = api.post("/v1/redemptions", body(voucher("FULL")))

    assert (response.status_code, response.json()["key"]) == (400, "quantity_exceeded")
    assert Redemption.objects.get().failure_code == "quantity_exceeded"
    assert not Order.objects.filter(status="PAID").exists()


def test_a_retried_redemption_with_the_same_idempotency_key_redeems_once(api):
    code = make_voucher(code="RETRY", redemption_quantity=5)
    headers = {"Idempotency-Key": "order-42-attempt"}

    first = api.post("/v1/redemptions", body(voucher("RETRY")), headers=headers)
    second = api.post("/v1/redemptions", body(voucher("RETRY")), headers=headers)
    other_body = api.post("/v1/redemptions", body(voucher("RETRY"), amount=1), headers=headers)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert other_body.status_code == 409
    code.refresh_from_db()
    assert code.redeemed_quantity == 1 and Redemption.objects.count() == 1


def test_a_retried_failed_redemption_replays_the_stored_error(api):
    headers = {"Idempotency-Key": "unknown-code"}

    first = api.post("/v1/redemptions", body(voucher("NOPE")), headers=headers)
    second = api.post("/v1/redemptions", body(voucher("NOPE")), headers=headers)

    assert first.status_code == second.status_code == 404
    assert first.json()["resource_id"] == second.json()["resource_id"]
    assert Redemption.objects.count() == 1
