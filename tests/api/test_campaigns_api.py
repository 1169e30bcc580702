"""/v1/campaigns and /v1/promotions as an API user sees them: raw JSON in and out."""

import pytest
import voucherify as V
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditlog.models import Event
from campaigns.models import Campaign, PromotionTier, ValidationRuleAssignment, Voucher, VoucherTransaction
from redemptions.models import Redemption
from stacking.models import Category
from tests.api.test_plumbing import assert_error_shape
from tests.factories import make_voucher, now
from voucherhub.ids import new_id

pytestmark = pytest.mark.django_db

DISCOUNT_CAMPAIGN = {
    "name": "Summer sale",
    "campaign_type": "DISCOUNT_COUPONS",
    "type": "AUTO_UPDATE",
    "description": "Ten percent off",
    "voucher": {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "PERCENT", "percent_off": 10},
        "redemption": {"quantity": 2},
        "code_config": {"length": 6, "charset": "ABCDEFGH", "prefix": "SUM-"},
    },
    "vouchers_count": 5,
    "start_date": "2026-06-01T00:00:00Z",
    "expiration_date": "2026-09-01T00:00:00Z",
    "metadata": {"region": "EU"},
}


def create(api, body: dict):
    return api.post("/v1/campaigns", body)


def test_creating_a_discount_campaign_generates_its_vouchers(api):
    response = create(api, DISCOUNT_CAMPAIGN)
    assert response.status_code == 200, response.content
    body = response.json()
    V.CampaignsCreateResponseBody.from_dict(body)
    assert body["id"].startswith("camp_") and body["object"] == "campaign"
    assert body["name"] == "Summer sale" and body["description"] == "Ten percent off"
    assert (body["campaign_type"], body["type"]) == ("DISCOUNT_COUPONS", "AUTO_UPDATE")
    assert body["vouchers_count"] == 5 and body["creation_status"] == "DONE"
    assert body["voucher"] == {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "PERCENT", "effect": "APPLY_TO_ORDER", "percent_off": 10},
        "redemption": {"quantity": 2},
        "code_config": {"length": 6, "charset": "ABCDEFGH", "prefix": "SUM-"},
    }
    assert body["start_date"] == "2026-06-01T00:00:00.000Z" and body["metadata"] == {"region": "EU"}
    assert body["active"] is True and body["category"] is None and body["categories"] == []
    vouchers = list(Voucher.objects.filter(campaign_id=body["id"]))
    assert len(vouchers) == 5
    for voucher in vouchers:
        assert voucher.code.startswith("SUM-") and len(voucher.code) == 10 and set(voucher.code[4:]) <= set("ABCDEFGH")
        assert (voucher.discount_type, voucher.percent_off, voucher.redemption_quantity) == ("PERCENT", 10, 2)
        assert voucher.start_date.isoformat() == "2026-06-01T00:00:00+00:00"
    types = set(Event.objects.filter(campaign_id=body["id"]).values_list("type", flat=True))
    assert types == {"campaign.created", "campaign.vouchers.generated"}


def test_creating_a_gift_card_campaign_gives_each_card_its_creation_transaction(api):
    body = create(
        api,
        {"name": "Cards", "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 5000}}, "vouchers_count": 3},
    ).json()
    assert body["campaign_type"] == "GIFT_VOUCHERS"
    assert body["voucher"] == {
        "type": "GIFT_VOUCHER",
        "gift": {"amount": 5000, "effect": "APPLY_TO_ORDER"},
        "redemption": {"quantity": None},
        "code_config": {},
    }
    cards = Voucher.objects.filter(campaign_id=body["id"])
    assert {(c.type, c.gift_amount, c.gift_balance) for c in cards} == {("GIFT_VOUCHER", 5000, 5000)}
    assert VoucherTransaction.objects.filter(voucher__in=cards, source="CREATION", balance_after=5000).count() == 3


def test_creating_a_promotion_campaign_creates_its_tiers(api):
    category = Category.objects.create(name="Auto", hierarchy=2)
    rule = api.post(
        "/v1/validation-rules",
        {
            "name": "Big orders",
            "rules": {"1": {"name": "order.amount", "conditions": {"$more_than": [10000]}}, "logic": "1"},
        },
    ).json()
    body = create(
        api,
        {
            "name": "Autumn promo",
            "campaign_type": "PROMOTION",
            "category_id": category.id,
            "promotion": {
                "tiers": [
                    {"name": "5 off", "banner": "Five", "action": {"discount": {"type": "AMOUNT", "amount_off": 500}}},
                    {
                        "name": "Ten percent",
                        "action": {"discount": {"type": "PERCENT", "percent_off": 10, "amount_limit": 3000}},
                        "metadata": {"level": 2},
                        "validation_rules": [rule["id"]],
                    },
                ]
            },
        },
    ).json()
    V.CampaignsCreateResponseBody.from_dict(body)
    assert body["campaign_type"] == "PROMOTION" and "voucher" not in body and body["vouchers_count"] == 0
    assert body["category"] == "Auto" and body["category_id"] == category.id
    tiers = body["promotion"]["tiers"]
    assert body["promotion"]["data_ref"] == "tiers" and body["promotion"]["total"] == 2
    assert [t["name"] for t in tiers] == ["5 off", "Ten percent"]
    assert [t["hierarchy"] for t in tiers] == [1, 2]
    assert tiers[0]["id"].startswith("promo_") and tiers[0]["banner"] == "Five"
    assert tiers[1]["action"]["discount"] == {
        "type": "PERCENT",
        "effect": "APPLY_TO_ORDER",
        "percent_off": 10,
        "amount_limit": 3000,
    }
    assert tiers[1]["validation_rule_assignments"]["total"] == 1
    assert tiers[1]["categories"][0]["id"] == category.id  # tiers inherit the campaign's category
    assert ValidationRuleAssignment.objects.get(rule_id=rule["id"]).promotion_tier_id == tiers[1]["id"]


def test_promotion_tier_endpoints(api):
    campaign = create(
        api,
        {
            "name": "Promo",
            "campaign_type": "PROMOTION",
            "promotion": {"tiers": [{"name": "T1", "action": {"discount": {"type": "AMOUNT", "amount_off": 100}}}]},
        },
    ).json()
    added = api.post(
        f"/v1/promotions/{campaign['id']}/tiers",
        {"name": "T2", "action": {"discount": {"type": "FIXED", "fixed_amount": 9900}}, "active": False},
    )
    assert added.status_code == 200, added.content
    tier = added.json()
    V.PromotionsTiersCreateResponseBody.from_dict(tier)
    assert tier["hierarchy"] == 2 and tier["active"] is False and tier["campaign_id"] == campaign["id"]
    assert tier["action"]["discount"] == {"type": "FIXED", "effect": "APPLY_TO_ORDER", "fixed_amount": 9900}

    got = api.get(f"/v1/promotions/tiers/{tier['id']}").json()
    V.PromotionsTiersGetResponseBody.from_dict(got)
    assert got["name"] == "T2"
    in_campaign = api.get(f"/v1/promotions/{campaign['id']}/tiers").json()
    V.PromotionsTiersListResponseBody.from_dict(in_campaign)
    assert [t["name"] for t in in_campaign["tiers"]] == ["T1", "T2"] and in_campaign["data_ref"] == "tiers"
    every = api.get("/v1/promotions/tiers", {"limit": 1}).json()
    assert every["total"] == 2 and len(every["tiers"]) == 1 and every["has_more"] is True
    assert api.get("/v1/promotions/tiers", {"is_available": "true"}).json()["total"] == 1

    assert_error_shape(api.get("/v1/promotions/tiers/promo_nope"), 404, "not_found")
    assert_error_shape(
        api.post(f"/v1/promotions/{campaign['id']}/tiers", {"name": "no action"}), 400, "invalid_payload"
    )
    discount_campaign = create(api, {**DISCOUNT_CAMPAIGN, "vouchers_count": 0}).json()
    body = {"name": "T", "action": {"discount": {"type": "AMOUNT", "amount_off": 1}}}
    assert_error_shape(
        api.post(f"/v1/promotions/{discount_campaign['id']}/tiers", body), 400, "invalid_campaign_params"
    )
    assert PromotionTier.objects.count() == 2


def test_a_taken_campaign_name_is_a_409(api):
    create(api, {**DISCOUNT_CAMPAIGN, "vouchers_count": 0})
    assert_error_shape(create(api, DISCOUNT_CAMPAIGN), 409, "duplicate_found")
    assert Campaign.objects.count() == 1 and not Voucher.objects.exists()


def test_more_than_a_million_vouchers_at_once_is_refused(api):
    body = assert_error_shape(
        create(api, {**DISCOUNT_CAMPAIGN, "vouchers_count": 1_000_001}), 400, "invalid_campaign_params"
    )
    assert "1000000" in body["details"]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"name": None},
        {"name": ""},
        {"name": 5},
        {"vouchers_count": "5"},
        {"vouchers_count": 10**30},
        {"vouchers_count": -1},
        {"campaign_type": "LOYALTY_PROGRAM"},
        {"type": "DYNAMIC"},
        {"validation_rules": ["val_a", "val_b"]},
        {"voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10**30}}},
        {"voucher": {"discount": {"type": "AMOUNT", "amount_off": 1}, "code_config": {"length": 1000}}},
        {"start_date": "not a date"},
        {"metadata": ["a"]},
    ],
    ids=lambda change: str(change)[:50],
)
def test_a_bad_campaign_body_is_a_400_invalid_payload_and_nothing_is_written(api, change):
    assert_error_shape(create(api, {**DISCOUNT_CAMPAIGN, **change}), 400, "invalid_payload")
    assert not Campaign.objects.exists() and not Voucher.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"voucher": None},
        {"voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 1}}},
        {"campaign_type": "GIFT_VOUCHERS"},
        {"campaign_type": "PROMOTION"},
        {"promotion": {"tiers": [{"name": "x", "action": {"discount": {"type": "AMOUNT", "amount_off": 1}}}]}},
        {"start_date": "2027-01-01T00:00:00Z"},
    ],
    ids=lambda change: str(change)[:50],
)
def test_campaign_parameters_that_disagree_are_invalid_campaign_params(api, change):
    assert_error_shape(create(api, {**DISCOUNT_CAMPAIGN, **change}), 400, "invalid_campaign_params")
    assert not Campaign.objects.exists()


def test_a_code_config_with_too_few_combinations_is_refused(api):
    body = {
        **DISCOUNT_CAMPAIGN,
        "voucher": {**DISCOUNT_CAMPAIGN["voucher"], "code_config": {"pattern": "#", "charset": "AB"}},
    }
    assert_error_shape(create(api, body), 400, "invalid_code_config")
    assert not Campaign.objects.exists()


def test_getting_a_campaign_by_id_or_name(api):
    created = create(api, DISCOUNT_CAMPAIGN).json()
    by_id = api.get(f"/v1/campaigns/{created['id']}").json()
    V.CampaignsGetResponseBody.from_dict(by_id)
    assert by_id == created
    assert api.get("/v1/campaigns/Summer sale").json()["id"] == created["id"]
    body = assert_error_shape(api.get("/v1/campaigns/camp_nope"), 404, "not_found")
    assert body["resource_type"] == "campaign"


def queries_for(api, path: str, params: dict) -> int:
    """The queries of one call, but for the key lookup (a process remembers an active key for a while)."""
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path, params).status_code == 200
    return sum('"voucherhub_apikey"' not in query["sql"] for query in captured)


def test_listing_campaigns(api):
    create(api, DISCOUNT_CAMPAIGN)
    create(api, {"name": "Cards", "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 100}}, "vouchers_count": 1})
    create(
        api,
        {
            "name": "Promo",
            "promotion": {"tiers": [{"name": "T", "action": {"discount": {"type": "AMOUNT", "amount_off": 1}}}]},
        },
    )
    # No query per row: a page of three costs what a page of one does.
    assert queries_for(api, "/v1/campaigns", {"limit": 3}) == queries_for(api, "/v1/campaigns", {"limit": 1})
    body = api.get("/v1/campaigns").json()
    V.CampaignsListResponseBody.from_dict(body)
    assert body["object"] == "list" and body["data_ref"] == "campaigns" and body["total"] == 3
    assert [c["name"] for c in body["campaigns"]] == ["Promo", "Cards", "Summer sale"]
    assert [c["vouchers_count"] for c in body["campaigns"]] == [0, 1, 5]
    only_gift = api.get("/v1/campaigns", {"campaign_type": "GIFT_VOUCHERS"}).json()
    assert [c["name"] for c in only_gift["campaigns"]] == ["Cards"]
    assert len(api.get("/v1/campaigns", {"limit": 2, "page": 2}).json()["campaigns"]) == 1
    assert_error_shape(api.get("/v1/campaigns", {"campaign_type": "NOPE"}), 400, "invalid_query_params")


def test_updating_a_campaign_moves_its_vouchers_dates_and_discount(api):
    created = create(api, DISCOUNT_CAMPAIGN).json()
    own = Voucher.objects.filter(campaign_id=created["id"]).first()
    Voucher.objects.filter(pk=own.pk).update(expiration_date="2026-08-01T00:00:00Z")
    response = api.put(
        f"/v1/campaigns/{created['id']}",
        {
            "expiration_date": "2026-10-01T00:00:00Z",
            "description": "Now fifteen",
            "discount": {"type": "PERCENT", "percent_off": 15},
            "metadata": {"team": "growth"},
            "unset_metadata_fields": ["region"],
            "name": "names are not updated",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    V.CampaignsUpdateResponseBody.from_dict(body)
    assert body["name"] == "Summer sale" and body["description"] == "Now fifteen"
    assert body["expiration_date"] == "2026-10-01T00:00:00.000Z" and body["metadata"] == {"team": "growth"}
    assert body["voucher"]["discount"]["percent_off"] == 15
    vouchers = Voucher.objects.filter(campaign_id=created["id"])
    assert {v.percent_off for v in vouchers} == {15}
    moved = {v.expiration_date.isoformat() for v in vouchers.exclude(pk=own.pk)}
    assert moved == {"2026-10-01T00:00:00+00:00"}
    own.refresh_from_db()
    assert own.expiration_date.isoformat() == "2026-08-01T00:00:00+00:00"  # its own date is kept


def test_campaign_dates_out_of_order_or_a_gift_on_a_discount_campaign_are_refused(api):
    created = create(api, DISCOUNT_CAMPAIGN).json()
    url = f"/v1/campaigns/{created['id']}"
    assert_error_shape(api.put(url, {"start_date": "2030-01-01T00:00:00Z"}), 400, "invalid_campaign_params")
    assert_error_shape(api.put(url, {"gift": {"amount": 1}}), 400, "invalid_campaign_params")
    assert_error_shape(api.put(url, {"discount": {"type": "AMOUNT"}}), 400, "invalid_payload")
    assert api.get(url).json()["start_date"] == "2026-06-01T00:00:00.000Z"


def test_disabling_and_enabling_a_campaign(api):
    created = create(api, {**DISCOUNT_CAMPAIGN, "vouchers_count": 1}).json()
    response = api.post(f"/v1/campaigns/{created['id']}/disable")
    assert response.status_code == 200 and response.json()["active"] is False
    assert Voucher.objects.get(campaign_id=created["id"]).active is True  # vouchers keep their own flag
    assert api.post(f"/v1/campaigns/{created['id']}/enable", {}).json()["active"] is True
    assert Event.objects.filter(type__in=["campaign.enabled", "campaign.disabled"]).count() == 2


def test_deleting_a_campaign_bins_it_with_its_vouchers(api):
    created = create(api, DISCOUNT_CAMPAIGN).json()
    response = api.delete(f"/v1/campaigns/{created['id']}")
    assert response.status_code == 200
    assert response.json()["async_action_id"].startswith("aa_")
    V.CampaignsDeleteResponseBody.from_dict(response.json())
    assert_error_shape(api.get(f"/v1/campaigns/{created['id']}"), 404, "not_found")
    assert Voucher.objects.filter(campaign_id=created["id"], deleted_at__isnull=False).count() == 5
    assert api.get("/v1/vouchers").json()["total"] == 0


def test_force_deleting_a_campaign_keeps_what_redemption_history_refers_to(api):
    created = create(api, DISCOUNT_CAMPAIGN).json()
    redeemed = Voucher.objects.filter(campaign_id=created["id"]).first()
    Redemption.objects.create(
        id=new_id("r_"),
        created_at=now(),
        result="SUCCESS",
        status="SUCCEEDED",
        related_object_type="voucher",
        voucher=redeemed,
        voucher_code=redeemed.code,
        campaign_id=created["id"],
    )
    assert api.delete(f"/v1/campaigns/{created['id']}?force=true").status_code == 200
    assert list(Voucher.objects.filter(campaign_id=created["id"])) == [redeemed]
    redeemed.refresh_from_db()
    assert redeemed.deleted_at is not None
    assert Campaign.objects.get(pk=created["id"]).deleted_at is not None

    unused = create(api, {**DISCOUNT_CAMPAIGN, "name": "Unused"}).json()
    api.delete(f"/v1/campaigns/{unused['id']}?force=true")
    assert not Campaign.objects.filter(pk=unused["id"]).exists()
    assert not Voucher.objects.filter(campaign_id=unused["id"]).exists()


def test_adding_vouchers_to_a_campaign(api):
    created = create(api, {**DISCOUNT_CAMPAIGN, "vouchers_count": 0}).json()
    url = f"/v1/campaigns/{created['id']}/vouchers"
    one = api.post(url, {"metadata": {"batch": 1}, "redemption": {"quantity": 7}})
    assert one.status_code == 200, one.content
    V.CampaignsVouchersCreateCombinedResponseBody.from_dict(one.json())
    assert one.json()["campaign_id"] == created["id"] and one.json()["code"].startswith("SUM-")
    assert one.json()["redemption"]["quantity"] == 7 and one.json()["metadata"] == {"batch": 1}

    many = api.post(f"{url}?vouchers_count=20", raw="")  # the SDK sends an empty JSON body
    assert many.status_code == 200 and many.json()["async_action_id"].startswith("aa_")
    assert Voucher.objects.filter(campaign_id=created["id"]).count() == 21

    specific = api.post(f"{url}/MY-CODE", {"expiration_date": "2026-07-01T00:00:00Z"})
    assert specific.status_code == 200, specific.content
    V.CampaignsVouchersCreateResponseBody.from_dict(specific.json())
    assert specific.json()["code"] == "MY-CODE" and specific.json()["expiration_date"] == "2026-07-01T00:00:00.000Z"
    assert specific.json()["discount"]["percent_off"] == 10
    assert_error_shape(api.post(f"{url}/MY-CODE", {}), 409, "duplicate_found")
    assert_error_shape(api.post(f"{url}?vouchers_count=1000001", {}), 400, "invalid_campaign_params")
    assert_error_shape(api.post(f"{url}?vouchers_count=0", {}), 400, "invalid_query_params")
    assert_error_shape(api.post("/v1/campaigns/nope/vouchers", {}), 404, "not_found")
    assert api.get(f"/v1/campaigns/{created['id']}").json()["vouchers_count"] == 22


def test_a_promotion_campaign_takes_no_vouchers(api):
    created = create(
        api,
        {
            "name": "Promo",
            "promotion": {"tiers": [{"name": "T", "action": {"discount": {"type": "AMOUNT", "amount_off": 1}}}]},
        },
    ).json()
    url = f"/v1/campaigns/{created['id']}/vouchers"
    assert_error_shape(api.post(url, {}), 400, "invalid_campaign_params")
    assert_error_shape(api.post(f"{url}/CODE", raw=""), 400, "invalid_campaign_params")
    assert not Voucher.objects.exists()


def test_a_campaign_rule_is_assigned_and_shown(api):
    rule = api.post(
        "/v1/validation-rules",
        {"name": "Min", "rules": {"1": {"name": "order.amount", "conditions": {"$more_than": [100]}}, "logic": "1"}},
    ).json()
    body = create(api, {**DISCOUNT_CAMPAIGN, "validation_rules": [rule["id"]]}).json()
    (assignment,) = body["validation_rules_assignments"]["data"]
    assert assignment["rule_id"] == rule["id"] and assignment["related_object_type"] == "campaign"
    assert assignment["related_object_id"] == body["id"]
    assert_error_shape(
        create(api, {**DISCOUNT_CAMPAIGN, "name": "X", "validation_rules": ["val_no"]}), 404, "not_found"
    )


def test_making_a_voucher_in_a_campaign_of_the_other_kind_is_refused(api):
    cards = create(api, {"name": "Cards", "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 100}}}).json()
    body = {"type": "DISCOUNT_VOUCHER", "campaign_id": cards["id"], "discount": {"type": "AMOUNT", "amount_off": 1}}
    assert_error_shape(api.post("/v1/vouchers/X1", body), 400, "invalid_voucher")
    assert make_voucher(code="OTHER")  # the table is usable afterwards
