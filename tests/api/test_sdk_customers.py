"""CustomersApi beyond create/get/update/list, through the official SDK: a customer's segments and deleting
a customer (whose history stays, without them)."""

import json
import time
from datetime import timedelta

import pytest
import voucherify as V
from django.utils import timezone
from voucherify.exceptions import NotFoundException

from auditlog.models import Event, RequestLog
from campaigns.models import Campaign, Customer, Segment
from redemptions.models import Redemption
from redemptions.services.redemption import redeem
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)

ORDER = {"amount": 1_000, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 1_000}]}


def test_a_customer_lists_the_static_and_auto_update_segments_they_belong_to(sdk):
    ann = make_customer(source_id="ann", metadata={"tier": "gold"})
    bob = make_customer(source_id="bob", metadata={"tier": "silver"})
    beta = Segment.objects.create(name="Beta testers", type="static")
    beta.customers.add(ann)
    Segment.objects.create(name="Gold", type="auto-update", filter={"tier": ["gold", "platinum"]})
    Segment.objects.create(name="Nobody", type="auto-update", filter={"tier": "bronze"})

    listed = V.CustomersApi(sdk).list_customer_segments("ann")

    assert listed.object == "list" and listed.data_ref == "data" and listed.total == 2
    assert [(s.name, s.object) for s in listed.data] == [("Beta testers", "segment"), ("Gold", "segment")]
    assert V.CustomersApi(sdk).list_customer_segments(bob.pk).total == 0
    with pytest.raises(NotFoundException):
        V.CustomersApi(sdk).list_customer_segments("nobody")


def test_a_deleted_customer_is_gone_and_their_redemptions_stay(sdk):
    customer = make_customer(source_id="leaving", name="Lee")
    make_voucher(code="KEEP-1")
    redeem(
        stack(redeemables=[{"object": "voucher", "id": "KEEP-1"}], customer={"id": customer.pk}, order=ORDER),
        caller=Caller.system("t"),
    )

    V.CustomersApi(sdk).delete_customer("leaving")

    assert not Customer.objects.filter(pk=customer.pk).exists()
    with pytest.raises(NotFoundException):
        V.CustomersApi(sdk).get_customer(customer.pk)
    kept = Redemption.objects.get(voucher_code="KEEP-1")
    assert kept.customer_id is None and (kept.result, kept.failure_code) == ("SUCCESS", "")
    assert Event.objects.filter(type="customer.deleted", resource_id=customer.pk).count() == 1
    # The source_id is free again: a new customer can take it.
    again = V.CustomersApi(sdk).create_customer(V.CustomersCreateRequestBody(source_id="leaving"))
    assert again.id != customer.pk


def test_a_customer_lists_the_codes_they_hold_with_their_state(sdk):
    ann = make_customer(source_id="ann-r")
    spring = make_campaign(name="Spring")
    make_voucher(code="HELD-1", campaign=spring, holder=ann)
    time.sleep(0.002)  # ids sort by their millisecond: one each, so that newest first is one order
    make_voucher(code="HELD-2", campaign=spring, holder=ann, expiration_date=timezone.now() - timedelta(days=1))
    time.sleep(0.002)
    make_gift_card(code="HELD-3", amount=0, holder=ann)
    make_voucher(code="NOT-HERS")
    api = V.CustomersApi(sdk)

    page = api.list_customer_redeemables("ann-r", limit=2)
    assert page.object == "list" and page.data_ref == "data" and page.has_more is True
    assert [r.redeemable.voucher.code for r in page.data] == ["HELD-3", "HELD-2"]
    assert [r.redeemable.status for r in page.data] == ["NO_BALANCE", "EXPIRED"]
    rest = api.list_customer_redeemables("ann-r", starting_after_id=page.more_starting_after)
    assert [r.redeemable.voucher.code for r in rest.data] == ["HELD-1"] and rest.has_more is False
    held = rest.data[0]
    assert (held.redeemable_object, held.holder_role, held.customer_id) == ("voucher", "OWNER", ann.pk)
    assert held.campaign_id == spring.pk and held.campaign_type == Campaign.objects.get(pk=spring.pk).campaign_type
    assert held.redeemable.status == "ACTIVE"
    oldest = api.list_customer_redeemables("ann-r", order=V.ParameterOrderListRedeemables("id"))
    assert [r.redeemable.voucher.code for r in oldest.data] == ["HELD-1", "HELD-2", "HELD-3"]


def test_a_permanent_deletion_erases_the_customer_from_their_events_and_request_logs(sdk):
    make_voucher(code="ERASE-1")
    customers = V.CustomersApi(sdk)
    ann = customers.create_customer(
        V.CustomersCreateRequestBody(source_id="erase-me", email="erase.me@example.com", name="Erin Erased")
    )
    V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody.from_dict(
            {
                "redeemables": [{"object": "voucher", "id": "ERASE-1"}],
                "order": {"amount": 1_000},
                "customer": {"source_id": "erase-me", "email": "erase.me@example.com"},
            }
        )
    )
    logs = set(Event.objects.filter(customer_id=ann.id).values_list("request_log_id", flat=True))
    assert logs and all(logs)

    erased = customers.customer_permanently_deletion("erase-me")

    assert erased.status == "DONE" and erased.related_object_id == ann.id and erased.data_json.customer == 1
    assert not Customer.objects.filter(pk=ann.id).exists()
    assert not Event.objects.filter(customer_id=ann.id).exists()
    for log in RequestLog.objects.filter(pk__in=logs):
        text = json.dumps([log.path, log.query, log.request_body, log.response_body])
        assert "erase.me@example.com" not in text and "erase-me" not in text and ann.id not in text
        assert "[erased]" in text
    kept = Redemption.objects.get(voucher_code="ERASE-1")
    assert kept.customer_id is None and kept.result == "SUCCESS"  # the history stays, without them
    with pytest.raises(NotFoundException):
        customers.customer_permanently_deletion("erase-me")
