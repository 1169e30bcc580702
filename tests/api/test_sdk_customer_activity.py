"""CustomersApi.list_customer_activity through the official SDK: a customer's validations, redemptions,
rollbacks and profile changes under the platform's activity types, newest or oldest first, paged with
starting_after_id, filtered by period, campaign, campaign type, category and type."""

from datetime import UTC, datetime, timedelta

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

from campaigns.models import CampaignType
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from redemptions.services.validation import validate
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = Caller.system("t")
ORDER = {"amount": 1_000, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 1_000}]}


@pytest.fixture
def history(sdk):
    coupons = make_campaign(name="Coupons")
    gifts = make_campaign(name="Gifts", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_voucher(code="C-1", campaign=coupons, redemption_quantity=1)
    make_gift_card(code="G-1", amount=5_000, campaign=gifts)
    customers = V.CustomersApi(sdk)
    customers.create_customer(V.CustomersCreateRequestBody(source_id="ann", name="Ann"))
    who = {"source_id": "ann"}
    validate(stack(redeemables=[{"object": "voucher", "id": "C-1"}], customer=who, order=ORDER), caller=CALLER)
    first = redeem(stack(redeemables=[{"object": "voucher", "id": "C-1"}], customer=who, order=ORDER), caller=CALLER)
    redeem(stack(redeemables=[{"object": "voucher", "id": "C-1"}], customer=who, order=ORDER), caller=CALLER)
    rollback_redemption(RollbackRequest(first.redemptions[0].pk), caller=CALLER)
    gift = {"object": "voucher", "id": "G-1", "gift": {"credits": 500}}
    redeem(stack(redeemables=[gift], customer=who, order=ORDER), caller=CALLER)
    customers.update_customer("ann", V.CustomersUpdateRequestBody(name="Ann B."))
    redeem(stack(redeemables=[gift], customer={"source_id": "bob"}, order=ORDER), caller=CALLER)  # Bob's
    return {"coupons": coupons, "gifts": gifts}


EXPECTED = [  # newest first
    "customer.updated",
    "customer.redemption.succeeded",  # G-1
    "customer.redemption.rollback.succeeded",
    "customer.redemption.failed",  # C-1 used up
    "customer.redemption.succeeded",  # C-1
    "customer.validation.succeeded",
    "customer.created",
]


def test_a_customers_activity_lists_their_events_newest_first_in_the_sdks_model(sdk, history):
    page = V.CustomersApi(sdk).list_customer_activity("ann")

    assert page.object == "list" and page.data_ref == "data" and page.has_more is False
    assert [a.type for a in page.data] == EXPECTED
    assert all(a.id.startswith("evt_") and a.created_at.tzinfo is not None for a in page.data)
    succeeded = page.data[1]
    assert succeeded.data["campaign_id"] == history["gifts"].pk and succeeded.data["id"] == "G-1"
    assert succeeded.group_id is None  # the engine was called directly, not through a request
    oldest_first = V.CustomersApi(sdk).list_customer_activity("ann", order=V.ParameterOrderCreatedAt("created_at"))
    assert [a.type for a in oldest_first.data] == EXPECTED[::-1]


def test_activity_pages_with_starting_after_id_in_either_order(sdk, history):
    api = V.CustomersApi(sdk)
    first = api.list_customer_activity("ann", limit=3)
    assert first.has_more is True and first.more_starting_after == first.data[-1].id
    rest = api.list_customer_activity("ann", limit=10, starting_after_id=first.more_starting_after)
    assert [a.type for a in first.data + rest.data] == EXPECTED and rest.has_more is False

    ascending = V.ParameterOrderCreatedAt("created_at")
    head = api.list_customer_activity("ann", limit=2, order=ascending)
    tail = api.list_customer_activity("ann", limit=10, order=ascending, starting_after_id=head.data[-1].id)
    assert [a.type for a in head.data + tail.data] == EXPECTED[::-1]

    with pytest.raises(NotFoundException):
        api.list_customer_activity("ann", starting_after_id="evt_not_hers")


def test_activity_filters_by_campaign_type_category_and_period(sdk, history):
    api = V.CustomersApi(sdk)

    of_gifts = api.list_customer_activity("ann", campaign_id=history["gifts"].pk)
    assert [a.type for a in of_gifts.data] == ["customer.redemption.succeeded"]
    of_coupons = api.list_customer_activity("ann", campaign_type=V.ParameterCampaignType("DISCOUNT_COUPONS"))
    assert [a.type for a in of_coupons.data] == EXPECTED[2:6]

    effects = api.list_customer_activity("ann", category=V.ParameterActivityCategory("EFFECT"))
    assert [a.type for a in effects.data] == ["customer.updated", "customer.created"]
    actions = api.list_customer_activity("ann", category=V.ParameterActivityCategory("ACTION"))
    assert [a.type for a in actions.data] == EXPECTED[1:6]
    failed = api.list_customer_activity("ann", type=V.ParameterCustomerEvent("customer.redemption.failed"))
    assert [a.type for a in failed.data] == ["customer.redemption.failed"]

    now = datetime.now(UTC)
    assert (
        len(
            api.list_customer_activity(
                "ann", start_date=now - timedelta(hours=1), end_date=now + timedelta(hours=1)
            ).data
        )
        == 7
    )
    assert api.list_customer_activity("ann", end_date=now - timedelta(hours=1)).data == []


def test_a_bad_activity_query_is_a_400_and_an_unknown_customer_a_404(sdk, history):
    api = V.CustomersApi(sdk)
    with pytest.raises(NotFoundException):
        api.list_customer_activity("nobody")
    now = datetime.now(UTC)
    with pytest.raises(ApiException) as refused:
        api.list_customer_activity("ann", start_date=now, end_date=now - timedelta(days=1))
    assert refused.value.status == 400 and "start_date is after end_date" in refused.value.body
