"""OrdersApi through the official SDK: an order of its own (created, upserted by source_id, updated,
read with the redemptions that touched it, listed), its refusals, its export, and its events in the
customer's activity."""

from urllib.parse import parse_qs, urlparse

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

from auditlog.models import Event
from campaigns.models import AsyncAction, Customer, Order
from conftest import wait_for
from exports.models import Export, ExportStatus
from redemptions.services.redemption import redeem
from tests.exports.factories import read_csv
from tests.factories import make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = [{"sku_id": "sku-1", "quantity": 2, "price": 1_500}, {"product_id": "prod-9", "quantity": 1, "price": 2_000}]


def create(api: V.OrdersApi, **fields):
    return api.create_order(orders_create_request_body=V.OrdersCreateRequestBody.from_dict(fields))


def test_an_order_is_created_upserted_by_source_id_updated_and_read_with_its_redemptions(sdk):
    api = V.OrdersApi(sdk)
    made = create(api, source_id="web-1", items=ITEMS, metadata={"store": "online"}, customer={"source_id": "ann"})
    assert made.object == "order" and made.id.startswith("ord_") and made.status == "CREATED"
    assert (made.amount, made.total_amount, made.discount_amount) == (5_000, 5_000, 0)
    assert made.customer_id and made.metadata == {"store": "online"} and len(made.items) == 2

    again = create(api, source_id="web-1", status="PAID", discount_amount=500)
    assert again.id == made.id and again.status == "PAID" and (again.amount, again.total_amount) == (5_000, 4_500)
    assert again.metadata == {"store": "online"}  # kept: not sent

    updated = api.update_order(
        "web-1", V.OrdersUpdateRequestBody.from_dict({"status": "FULFILLED", "metadata": {"x": 1}})
    )
    assert updated.status == "FULFILLED" and updated.metadata == {"x": 1} and updated.amount == 5_000

    make_voucher(code="TEN", percent_off=10)
    redeem(
        stack(redeemables=[{"object": "voucher", "id": "TEN"}], order={"source_id": "web-1"}), caller=Caller.system("t")
    )
    read = api.get_order(made.id)
    assert read.id == made.id and len(read.redemptions) == 1
    assert api.get_order("web-1").id == made.id

    create(api, amount=100)
    listed = api.list_orders(limit=10)
    assert listed.object == "list" and listed.data_ref == "orders" and listed.total == 2
    oldest = api.list_orders(order=V.ParameterOrderListOrders("created_at"))
    assert [o.id for o in oldest.orders][0] == made.id

    activity = V.CustomersApi(sdk).list_customer_activity("ann")
    assert [a.type for a in activity.data][:2] == ["customer.order.updated", "customer.order.updated"]


def test_bad_orders_are_refused_with_the_engines_keys(sdk):
    api = V.OrdersApi(sdk)
    for fields, key in (
        ({"source_id": "x"}, "missing_amount"),
        ({"amount": 100, "items": [{"sku_id": "a", "quantity": 1, "price": 300}]}, "invalid_amount"),
        ({"amount": 100, "discount_amount": 200}, "invalid_amount"),
    ):
        with pytest.raises(ApiException) as refused:
            create(api, **fields)
        assert refused.value.status == 400 and f'"key": "{key}"' in refused.value.body, fields
    with pytest.raises(NotFoundException):
        api.get_order("nope")
    with pytest.raises(NotFoundException):
        api.update_order("nope", V.OrdersUpdateRequestBody.from_dict({"status": "PAID"}))
    with pytest.raises(ApiException) as empty:
        api.import_orders([])
    assert empty.value.status == 400 and '"key": "invalid_payload"' in empty.value.body


def test_historical_orders_are_imported_by_a_worker_without_events(sdk, live_worker):
    create(V.OrdersApi(sdk), source_id="old-1", amount=500)
    orders = [
        {"source_id": "old-1", "amount": 900, "status": "PAID", "metadata": {"placed": "2025-11-02"}},
        {"source_id": "old-2", "items": ITEMS, "status": "FULFILLED", "customer": {"source_id": "ann"}},
        {"source_id": "old-3", "amount": 100, "items": ITEMS},  # its amount is not its items' sum
    ]
    scheduled = V.OrdersApi(sdk).import_orders([V.OrdersImportCreateRequestBodyItem.from_dict(o) for o in orders])
    assert scheduled.async_action_id.startswith("aa_")
    assert wait_for(lambda: AsyncAction.objects.filter(pk=scheduled.async_action_id, status="DONE").exists())

    action = V.AsyncActionsApi(sdk).get_async_action(scheduled.async_action_id)
    assert action.type == "ORDERS_IMPORT" and action.result["message"] == "2 of 3 imported"
    assert action.result["results"][2]["imported"] is False and "amount" in action.result["results"][2]["error"]
    updated, new = V.OrdersApi(sdk).get_order("old-1"), V.OrdersApi(sdk).get_order("old-2")
    assert (updated.amount, updated.status, updated.metadata) == (900, "PAID", {"placed": "2025-11-02"})
    assert (new.amount, new.status, new.customer.id) == (5_000, "FULFILLED", Customer.objects.get(source_id="ann").pk)
    assert not Order.objects.filter(source_id="old-3").exists()
    # The platform's import of history writes no order events: only old-1's own creation is in the trail.
    assert list(Event.objects.filter(type__startswith="order.").values_list("type", flat=True)) == ["order.created"]


def test_orders_are_exported_by_a_worker(sdk, live_worker):
    api = V.OrdersApi(sdk)
    create(api, source_id="exp-1", amount=1_000, status="PAID")
    create(api, source_id="exp-2", amount=2_000)
    created = api.create_order_export(
        V.OrdersExportCreateRequestBody.from_dict(
            {"parameters": {"fields": ["source_id", "status", "amount"], "order": "created_at"}}
        )
    )
    assert created.exported_object == "order" and created.status == "SCHEDULED"
    assert wait_for(lambda: Export.objects.get(pk=created.id).status == ExportStatus.DONE)
    got = V.ExportsApi(sdk).get_export(created.id)
    token = parse_qs(urlparse(got.result.url).query)["token"][0]
    table = read_csv(V.ExportsApi(sdk).download_export(created.id, token=token))
    assert table == [["source_id", "status", "amount"], ["exp-1", "PAID", "1000"], ["exp-2", "CREATED", "2000"]]
