"""``GET /v1/campaigns/{id}/summary`` over raw HTTP with an API key: the dashboard's figures, in the API's
style (snake_case, integer minor units, the error shape for unknown ids and bad query values)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from campaigns.models import CampaignType
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from redemptions.services.validation import validate
from tests.api.conftest import api, credentials  # noqa: F401  (fixtures)
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("test")


def order(amount: int) -> dict:
    return {"amount": amount, "items": [{"sku_id": "sku-1", "quantity": 1, "price": amount}]}


def test_the_summary_has_the_same_figures_as_the_dashboard(api, client, role_user):  # noqa: F811
    campaign = make_campaign(name="Summer coupons")
    make_voucher(code="SUM-1", campaign=campaign)
    make_voucher(code="SUM-2", campaign=campaign, redemption_quantity=1)
    validate(stack(redeemables=[{"object": "voucher", "id": "SUM-1"}], order=order(8_000)), caller=CALLER)
    first = redeem(stack(redeemables=[{"object": "voucher", "id": "SUM-1"}], order=order(10_000)), caller=CALLER)
    redeem(stack(redeemables=[{"object": "voucher", "id": "SUM-2"}], order=order(20_000)), caller=CALLER)
    redeem(stack(redeemables=[{"object": "voucher", "id": "SUM-2"}], order=order(20_000)), caller=CALLER)  # quantity
    rollback_redemption(RollbackRequest(first.redemptions[0].pk), caller=CALLER)

    response = api.get(f"/v1/campaigns/{campaign.pk}/summary")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    flat = response.json()
    # The platform's flat figures, which the SDK reads (tests/api/test_sdk_campaign_summary.py) ...
    assert flat["object"] == "campaign_summary"
    assert (flat["redemptions"], flat["redemptions_succeeded"], flat["redemptions_failed"]) == (3, 2, 1)
    assert (flat["rollbacks"], flat["rollbacks_succeeded"], flat["rollbacks_failed"]) == (1, 1, 0)
    assert (flat["validations"], flat["validations_succeeded"], flat["validations_failed"]) == (1, 1, 0)
    assert (flat["orders_amount"], flat["discounted_amount"], flat["vouchers_created"]) == (20_000, 2_000, 2)
    # ... and the dashboard's, under an extension key the SDK ignores.
    body = flat["voucherhub"]
    assert body["campaign_id"] == campaign.pk
    assert body["campaign_type"] == "DISCOUNT_COUPONS" and body["status"] == "active"
    assert body["redemptions"] == {"total_redeemed": 3, "total_succeeded": 2, "total_failed": 1, "total_rolled_back": 1}
    assert body["rollbacks"] == {"total_succeeded": 1}
    assert body["validations"] == {"total": 1, "total_valid": 1}
    assert body["vouchers"] == {"total": 2, "published": 0}
    assert body["budget"] == {"orders": 1, "order_value": 20_000, "discounts_given": 2_000, "gift_value_spent": 0}
    # Money and counts are integers, never floats or strings.
    for section in ("redemptions", "budget", "validations", "vouchers", "rollbacks"):
        assert all(type(value) is int for value in body[section].values()), section
    assert body["period"]["days"] == 30 and len(body["series"]) == 30
    today = datetime.now(UTC).date()
    assert body["period"]["end_date"] == today.isoformat()
    assert body["series"][-1]["date"] == today.isoformat()
    assert sum(p["redemptions_succeeded"] for p in body["series"]) == 2
    assert sum(p["redemptions_failed"] for p in body["series"]) == 1
    assert sum(p["rollbacks"] for p in body["series"]) == 1
    assert sum(p["vouchers_created"] for p in body["series"]) == 2
    assert "gift" not in body and "tiers" not in body

    # The dashboard shows the same figures.
    client.force_login(role_user("Marketer"))
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    shown = {key: int(value) for key, value in re.findall(r'data-figure="([a-z_]+)" data-value="(-?\d+)"', html)}
    assert shown["orders"] == body["budget"]["orders"]
    assert shown["order_value"] == body["budget"]["order_value"]
    assert shown["discounts_given"] == body["budget"]["discounts_given"]
    assert shown["redemptions_succeeded"] == body["redemptions"]["total_succeeded"]
    assert shown["redemptions_failed"] == body["redemptions"]["total_failed"]
    assert shown["rollbacks"] == body["rollbacks"]["total_succeeded"]
    assert shown["validations"] == body["validations"]["total"]
    assert shown["vouchers"] == body["vouchers"]["total"]

    # By name too, as GET /v1/campaigns/{id} accepts; and another period.
    by_name = api.get("/v1/campaigns/Summer coupons/summary", {"days": "7"}).json()["voucherhub"]
    assert by_name["campaign_id"] == campaign.pk and len(by_name["series"]) == 7


def test_gift_and_promotion_summaries_add_their_own_figures(api):  # noqa: F811
    gift = make_campaign(name="Gifts", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_gift_card(amount=10_000, code="G-1", campaign=gift)
    redeem(
        stack(redeemables=[{"object": "voucher", "id": "G-1", "gift": {"credits": 3_000}}], order=order(3_000)),
        caller=CALLER,
    )
    flat = api.get(f"/v1/campaigns/{gift.pk}/summary").json()
    assert (flat["created_vouchers_amount"], flat["amount_redeemed"]) == (10_000, 3_000)
    body = flat["voucherhub"]
    assert body["gift"] == {"issued_amount": 10_000, "balance": 7_000}
    assert body["budget"]["gift_value_spent"] == 3_000

    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    tier = promo.tiers.create(name="Ten off", position=1, discount_type="AMOUNT", amount_off=1_000)
    body = api.get(f"/v1/campaigns/{promo.pk}/summary").json()["voucherhub"]
    assert body["tiers"] == [{"id": tier.pk, "name": "Ten off", "active": True}]
    scheduled = make_campaign(name="Later", start_date=datetime.now(UTC) + timedelta(days=2))
    assert api.get(f"/v1/campaigns/{scheduled.pk}/summary").json()["voucherhub"]["status"] == "scheduled"


def test_unknown_campaigns_bad_periods_and_missing_keys_get_the_error_shape(api):  # noqa: F811
    campaign = make_campaign(name="Errors")
    missing = api.get("/v1/campaigns/camp_nope/summary")
    assert missing.status_code == 404
    error = missing.json()
    assert error["key"] == "not_found" and error["code"] == 404 and error["resource_type"] == "campaign"
    assert error["request_id"] and isinstance(error["details"], str)
    bad_periods = [{"days": bad} for bad in ("0", "366", "abc", "-1")] + [
        {"start_date": "2026-03-02", "end_date": "2026-03-01"},
        {"start_date": "2024-01-01", "end_date": "2026-01-01"},
        {"start_date": "2026-02-30"},
    ]
    for bad in bad_periods:
        response = api.get(f"/v1/campaigns/{campaign.pk}/summary", bad)
        assert response.status_code == 400, bad
        assert response.json()["key"] == "invalid_query_params"
    anonymous = Client().get(f"/v1/campaigns/{campaign.pk}/summary")
    assert anonymous.status_code == 401 and anonymous.json()["key"] == "unauthorized"


def test_the_summary_is_in_the_openapi_document(api):  # noqa: F811
    document = Client().get("/v1/openapi.json").json()
    operation = document["paths"]["/v1/campaigns/{campaign_id}/summary"]["get"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["days", "start_date", "end_date"]
