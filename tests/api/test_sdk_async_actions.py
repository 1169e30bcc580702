"""Bulk changes through the official SDK, applied by a real worker: customers upserted by source_id and
their metadata merged, vouchers' metadata merged by code, followed with AsyncActionsApi until DONE, with
what each item became; a bad body changes nothing."""

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException

from campaigns.models import AsyncAction, Customer, Voucher
from conftest import wait_for
from tests.factories import make_campaign, make_customer, make_voucher

pytestmark = pytest.mark.django_db(transaction=True)


def done(action_id: str) -> bool:
    return AsyncAction.objects.filter(pk=action_id, status="DONE").exists()


def test_customers_are_updated_in_bulk_and_the_action_says_what_each_became(sdk, live_worker):
    make_customer(source_id="ann", name="Ann", metadata={"tier": "silver", "lang": "en"})
    customers = V.CustomersApi(sdk)
    items = [
        V.CustomersUpdateInBulkRequestBody(source_id="ann", metadata={"tier": "gold"}),
        V.CustomersUpdateInBulkRequestBody(source_id="new-bob", name="Bob", email="bob@example.com"),
    ]
    scheduled = customers.update_customers_in_bulk(items)
    assert scheduled.async_action_id.startswith("aa_")
    assert wait_for(lambda: done(scheduled.async_action_id))

    assert Customer.objects.get(source_id="ann").metadata == {"tier": "gold", "lang": "en"}
    assert Customer.objects.get(source_id="new-bob").email == "bob@example.com"
    action = V.AsyncActionsApi(sdk).get_async_action(scheduled.async_action_id)
    assert (action.status, action.operation_status, action.progress) == ("DONE", "SUCCESS", 100)
    assert action.type == "CUSTOMERS_BULK_UPDATE" and action.result["message"] == "2 of 2 updated"

    metadata = customers.update_customers_metadata_in_bulk(
        V.CustomersMetadataUpdateInBulkRequestBody(source_ids=["ann", "nobody"], metadata={"vip": True})
    )
    assert wait_for(lambda: done(metadata.async_action_id))
    assert Customer.objects.get(source_id="ann").metadata["vip"] is True
    assert not Customer.objects.filter(source_id="nobody").exists()  # metadata goes to known customers only
    result = V.AsyncActionsApi(sdk).get_async_action(metadata.async_action_id).result
    assert result["results"] == [
        {"source_id": "ann", "updated": True, "found": True},
        {"source_id": "nobody", "updated": False, "found": False},
    ]


def test_vouchers_metadata_is_merged_in_bulk_and_actions_are_listed(sdk, live_worker):
    spring = make_campaign(name="Spring")
    make_voucher(code="A-1", campaign=spring, metadata={"batch": 1})
    make_voucher(code="A-2", campaign=spring)
    vouchers = V.VouchersApi(sdk)
    one_by_one = vouchers.update_vouchers_in_bulk(
        [V.VouchersUpdateInBulkItemRequestBody(code="A-1", metadata={"shelf": "top"})]
    )
    same = vouchers.update_vouchers_metadata_in_bulk(
        V.VouchersMetadataUpdateInBulkRequestBody(codes=["A-1", "A-2", "NOPE"], metadata={"season": "spring"})
    )
    assert wait_for(lambda: done(one_by_one.async_action_id) and done(same.async_action_id))
    assert Voucher.objects.get(code="A-1").metadata == {"batch": 1, "shelf": "top", "season": "spring"}
    assert Voucher.objects.get(code="A-2").metadata == {"season": "spring"}

    listed = V.AsyncActionsApi(sdk).list_async_actions(limit=1)
    assert listed.object == "list" and listed.data_ref == "async_actions" and listed.has_more is True
    assert [a.id for a in listed.async_actions] == [same.async_action_id]
    with pytest.raises(NotFoundException):
        V.AsyncActionsApi(sdk).get_async_action("aa_nope")


def test_a_bad_bulk_body_is_a_400_and_schedules_nothing(api):
    for path, body in (
        ("/v1/customers/bulk/async", []),
        ("/v1/customers/bulk/async", [{"name": "no source id"}]),
        ("/v1/customers/metadata/async", {"source_ids": ["a"]}),
        ("/v1/vouchers/metadata/async", {"codes": [], "metadata": {"a": 1}}),
    ):
        answer = api.post(path, body)
        assert answer.status_code == 400 and answer.json()["key"] == "invalid_payload", (path, answer.json())
    assert AsyncAction.objects.count() == 0


def test_vouchers_are_imported_standalone_and_into_a_campaign(sdk, live_worker):
    template = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 15}, "code_config": {}}
    spring = make_campaign(name="Spring", voucher_template=template)
    make_voucher(code="TAKEN")
    vouchers = V.VouchersApi(sdk)
    standalone = vouchers.import_vouchers(
        [
            V.VouchersImportCreateItemRequestBody.from_dict(
                {"code": "IMP-1", "type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500}}
            ),
            V.VouchersImportCreateItemRequestBody.from_dict(
                {"code": "IMP-GIFT", "type": "GIFT_VOUCHER", "gift": {"amount": 2_000}, "metadata": {"src": "crm"}}
            ),
            V.VouchersImportCreateItemRequestBody.from_dict(
                {"code": "TAKEN", "type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 5}}
            ),
        ]
    )
    into = V.CampaignsApi(sdk).import_vouchers_to_campaign(
        spring.pk,
        [
            V.CampaignsImportVoucherItem.from_dict(
                {"code": "SPRING-IMP", "redemption": {"quantity": 3}, "active": False}
            )
        ],
    )
    assert wait_for(lambda: done(standalone.async_action_id) and done(into.async_action_id))

    assert Voucher.objects.get(code="IMP-1").amount_off == 500
    gift = Voucher.objects.get(code="IMP-GIFT")
    assert (gift.gift_balance, gift.metadata) == (2_000, {"src": "crm"})
    imported = Voucher.objects.get(code="SPRING-IMP")
    assert (imported.campaign_id, imported.redemption_quantity, imported.active) == (spring.pk, 3, False)
    assert imported.percent_off == 15  # the campaign's template
    result = V.AsyncActionsApi(sdk).get_async_action(standalone.async_action_id).result
    assert result["message"] == "2 of 3 imported"
    assert result["results"][2]["code"] == "TAKEN" and result["results"][2]["imported"] is False
