"""The hand-written SQL of the redemption path (voucherhub.hotsql) reads and writes exactly what the ORM does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Model

from auditlog.models import Event
from campaigns.models import Campaign, Customer, Voucher
from redemptions.services import _rule_flags
from sessions.services import lock_vouchers
from stacking.models import Category
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher, now
from voucherhub import hotsql

pytestmark = pytest.mark.django_db


def fields_of(obj: Model | None) -> dict | None:
    if obj is None:
        return None
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_locked_vouchers_equal_what_the_orm_reads_with_campaign_categories_and_rule_flags():
    first, second = Category.objects.create(name="First"), Category.objects.create(name="Second", hierarchy=2)
    campaign = make_campaign(category=first, metadata={"region": "EU"}, expiration_date=now() + timedelta(days=9))
    with_everything = make_voucher(
        campaign=campaign, category=second, percent_off=Decimal("12.5"), metadata={"a": [1, "b"]}, start_date=now()
    )
    standalone_gift = make_gift_card(5_000, active=False)
    deleted = make_voucher(deleted_at=now())

    with transaction.atomic():
        locked = lock_vouchers(
            [standalone_gift.pk], codes=[with_everything.code, deleted.code], annotations=_rule_flags(Voucher)
        )
    assert list(locked) == sorted([with_everything.pk, standalone_gift.pk])  # deleted: not by code
    orm = Voucher.objects.select_related("campaign", "category", "campaign__category").annotate(**_rule_flags(Voucher))
    for pk, voucher in locked.items():
        expected = orm.get(pk=pk)
        assert fields_of(voucher) == fields_of(expected)
        assert fields_of(voucher.campaign) == fields_of(expected.campaign)
        assert fields_of(voucher.category) == fields_of(expected.category)
        if expected.campaign is not None:
            assert fields_of(voucher.campaign.category) == fields_of(expected.campaign.category)
        assert (voucher.has_own_rules, voucher.has_campaign_rules) == (False, False)
        assert voucher._state.adding is False
    assert locked[with_everything.pk].campaign.category.name == "First"
    assert locked[standalone_gift.pk].campaign is None


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
