"""The generic machinery of the hand-written SQL (voucherhub.hotsql) reads and writes exactly what the ORM does.

The statements built with it are compared with their ORM twins in tests/campaigns/test_statements.py."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Model

from auditlog.models import Event
from campaigns.models import Campaign, Customer
from tests.factories import make_customer, now
from voucherhub import hotsql

pytestmark = pytest.mark.django_db


def fields_of(obj: Model | None) -> dict | None:
    if obj is None:
        return None
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_locked_one_reads_the_customer_or_nothing():
    customer = make_customer(metadata={"tier": "gold"})
    with transaction.atomic():
        assert fields_of(hotsql.locked_one(Customer, "source_id", customer.source_id)) == fields_of(
            Customer.objects.get(pk=customer.pk)
        )
        assert hotsql.locked_one(Customer, "source_id", "nobody") is None


def test_insert_stores_what_the_orm_would_and_the_constraints_still_refuse():
    events = [Event(type="test.one", occurred_at=now(), data={"x": [1, 2]}), Event(type="test.two", occurred_at=now())]
    hotsql.insert(events)
    for event in events:
        assert fields_of(Event.objects.get(pk=event.pk)) == fields_of(event)
        assert event._state.adding is False
    taken = Campaign.objects.create(name="Taken", campaign_type="DISCOUNT_COUPONS")
    with pytest.raises(IntegrityError), transaction.atomic():
        hotsql.insert([Campaign(name=taken.name, campaign_type="DISCOUNT_COUPONS")])
    with pytest.raises(ValueError):
        hotsql.insert([Customer(id=None)])


def test_insert_prepares_values_as_the_orm_does_whatever_their_python_type():
    from campaigns.models import Order

    customer = make_customer()
    values = dict(
        status="PAID",
        customer=customer,
        amount=10_000,
        initial_amount=True,  # a bool where an int goes: prepared by the field, as the ORM does
        discount_amount=0,
        items_discount_amount=0,
        total_discount_amount=0,
        total_amount=10_000,
        items=[{"sku_id": "s", "quantity": 1}],
        metadata={},
    )
    ours, orms = Order(id="ord_hotsql", **values), Order(id="ord_orm", **values)
    hotsql.insert([ours])
    Order.objects.bulk_create([orms])
    stored, expected = fields_of(Order.objects.get(pk=ours.pk)), fields_of(Order.objects.get(pk=orms.pk))
    for row in (stored, expected):
        row.pop("id"), row.pop("created_at"), row.pop("updated_at")
    assert stored == expected
    assert stored["initial_amount"] == 1


def test_batch_sends_its_statements_in_order_when_the_block_ends():
    with transaction.atomic():
        with hotsql.batch():
            hotsql.insert([Event(id="evt_batch_1", type="test.one", occurred_at=now())])
            hotsql.execute("UPDATE auditlog_event SET type = %s WHERE id = %s", ["test.updated", "evt_batch_1"])
            assert not Event.objects.filter(pk="evt_batch_1").exists()  # queued, not sent yet
        assert Event.objects.get(pk="evt_batch_1").type == "test.updated"


def test_batch_sends_nothing_when_its_block_fails_and_a_refused_row_fails_the_block():
    with pytest.raises(RuntimeError), transaction.atomic(), hotsql.batch():
        hotsql.insert([Event(id="evt_batch_2", type="test.one", occurred_at=now())])
        raise RuntimeError("the caller gave up")
    assert not Event.objects.filter(pk="evt_batch_2").exists()

    taken = Campaign.objects.create(name="Taken", campaign_type="DISCOUNT_COUPONS")
    with pytest.raises(IntegrityError), transaction.atomic(), hotsql.batch():
        hotsql.insert([Event(id="evt_batch_3", type="test.one", occurred_at=now())])
        hotsql.insert([Campaign(id="camp_dup", name=taken.name, campaign_type="DISCOUNT_COUPONS")])
    assert not Event.objects.filter(pk="evt_batch_3").exists()  # the whole transaction rolled back


def test_a_statement_in_an_atomic_block_inside_a_batch_runs_at_once_and_only_before_anything_is_queued():
    taken = Campaign.objects.create(name="Taken", campaign_type="DISCOUNT_COUPONS")
    with transaction.atomic(), hotsql.batch():
        with pytest.raises(IntegrityError), transaction.atomic():  # a savepoint: it sees its own failure
            hotsql.insert([Campaign(id="camp_dup", name=taken.name, campaign_type="DISCOUNT_COUPONS")])
        with transaction.atomic():
            hotsql.insert([Event(id="evt_batch_4", type="test.one", occurred_at=now())])
        assert Event.objects.filter(pk="evt_batch_4").exists()  # ran at once
        hotsql.insert([Event(id="evt_batch_5", type="test.two", occurred_at=now())])
        with pytest.raises(RuntimeError), transaction.atomic():  # it would run ahead of the queued event
            hotsql.insert([Event(id="evt_batch_6", type="test.three", occurred_at=now())])
    assert set(Event.objects.filter(pk__startswith="evt_batch_").values_list("pk", flat=True)) == {
        "evt_batch_4",
        "evt_batch_5",
    }


@pytest.mark.django_db(transaction=True)  # no test-wide transaction around it
def test_a_batch_needs_a_transaction():
    with pytest.raises(RuntimeError, match="needs a transaction"), hotsql.batch():
        pass
