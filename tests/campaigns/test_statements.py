"""The hand-written statements of the redemption path (campaigns.statements) do what their ORM twins do.

Each test runs the statement and the ORM query or update it stands for on the same rows (or on twin rows
made alike), and compares what they read or leave behind field by field. Row locks are compared on
PostgreSQL, from a second connection (SQLite has none).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Model, OuterRef, Q

from campaigns import statements
from campaigns.models import Customer, PromotionTier, ValidationRuleAssignment, Voucher
from stacking.models import Category
from tests.campaigns.row_locks import locked_rows
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher, now
from tests.redemptions.factories import make_rule, make_tier
from voucherhub import hotsql

pytestmark = pytest.mark.django_db


def fields_of(obj: Model | None, *, leave_out: tuple[str, ...] = ()) -> dict | None:
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if f.attname not in leave_out}


# --- lock_vouchers and rule_flags --------------------------------------------------------------------------


def orm_lock_vouchers(ids=(), codes=(), annotations=None):
    """The ORM's twin of :func:`campaigns.statements.lock_vouchers`."""
    rows = Voucher.objects.select_related("campaign", "category", "campaign__category")
    rows = rows.annotate(**(annotations or {})).filter(Q(pk__in=ids) | Q(code__in=codes, deleted_at__isnull=True))
    return {v.pk: v for v in rows.order_by("pk").select_for_update(of=("self",))}


def orm_rule_flags(model):
    """The ORM's twin of :func:`campaigns.statements.rule_flags`."""
    own = "voucher" if model is Voucher else "promotion_tier"
    assignments = ValidationRuleAssignment.objects
    return {
        "has_own_rules": Exists(assignments.filter(**{own: OuterRef("pk")})),
        "has_campaign_rules": Exists(assignments.filter(campaign=OuterRef("campaign"))),
    }


def assert_same_vouchers(ours: dict, orms: dict, flags=("has_own_rules", "has_campaign_rules")) -> None:
    assert list(ours) == list(orms)  # the same rows, in primary-key order
    for pk, voucher in ours.items():
        expected = orms[pk]
        assert fields_of(voucher) == fields_of(expected)
        assert fields_of(voucher.campaign) == fields_of(expected.campaign)
        assert fields_of(voucher.category) == fields_of(expected.category)
        if expected.campaign is not None:
            assert fields_of(voucher.campaign.category) == fields_of(expected.campaign.category)
        assert [getattr(voucher, f) for f in flags] == [getattr(expected, f) for f in flags]
        assert voucher._state.adding is False


def test_locked_vouchers_equal_what_the_orm_reads_with_campaign_categories_and_rule_flags():
    first, second = Category.objects.create(name="First"), Category.objects.create(name="Second", hierarchy=2)
    campaign = make_campaign(category=first, metadata={"region": "EU"}, expiration_date=now() + timedelta(days=9))
    with_everything = make_voucher(
        campaign=campaign, category=second, percent_off=Decimal("12.5"), metadata={"a": [1, "b"]}, start_date=now()
    )
    make_rule({"name": "order.amount", "conditions": {"$more_than": [1]}}, voucher=with_everything)
    standalone_gift = make_gift_card(5_000, active=False)
    deleted = make_voucher(deleted_at=now())
    binned_by_id = make_voucher(deleted_at=now())
    ids, codes = [standalone_gift.pk, binned_by_id.pk], [with_everything.code, deleted.code, "NO-SUCH-CODE"]

    with transaction.atomic():
        locked = statements.lock_vouchers(ids, codes=codes, annotations=statements.rule_flags(Voucher))
        read = statements.lock_vouchers(ids, codes=codes, annotations=statements.rule_flags(Voucher), for_update=False)
        expected = orm_lock_vouchers(ids, codes, orm_rule_flags(Voucher))

    assert_same_vouchers(locked, expected)
    assert_same_vouchers(read, expected)
    assert sorted(locked) == sorted([with_everything.pk, standalone_gift.pk, binned_by_id.pk])  # binned: by id only
    assert (locked[with_everything.pk].has_own_rules, locked[with_everything.pk].has_campaign_rules) == (True, False)
    assert locked[with_everything.pk].campaign.category.name == "First"
    assert locked[standalone_gift.pk].campaign is None
    assert statements.lock_vouchers() == {}


def test_rule_flags_tell_the_same_as_the_orms_exists_for_vouchers_and_tiers():
    ruled_campaign, plain_campaign = make_campaign(), make_campaign()
    make_rule({"name": "order.amount", "conditions": {"$more_than": [1]}}, campaign=ruled_campaign)
    own = make_voucher(campaign=plain_campaign)
    make_rule({"name": "order.amount", "conditions": {"$more_than": [1]}}, voucher=own)
    make_voucher(campaign=ruled_campaign), make_voucher(campaign=plain_campaign), make_voucher()
    tier_with_rules = make_tier()
    make_rule({"name": "order.amount", "conditions": {"$more_than": [1]}}, promotion_tier=tier_with_rules)
    make_tier(), make_tier(campaign=ruled_campaign)

    for model in (Voucher, PromotionTier):
        ours = model.objects.annotate(**statements.rule_flags(model)).order_by("pk")
        orms = model.objects.annotate(**orm_rule_flags(model)).order_by("pk")
        flags = [(row.pk, row.has_own_rules, row.has_campaign_rules) for row in ours]
        assert flags == [(row.pk, row.has_own_rules, row.has_campaign_rules) for row in orms]
        assert {(own_, campaign) for _, own_, campaign in flags} == {
            (True, False),
            (False, True),
            (False, False),
        }, model


# --- lock_customer ---------------------------------------------------------------------------------------


def test_the_locked_customer_equals_what_the_orm_reads_by_id_or_source_id():
    customer, other = make_customer(metadata={"tier": "gold"}), make_customer()
    orm = Customer.objects.select_for_update()
    with transaction.atomic():
        by_id = statements.lock_customer(id=customer.pk)
        assert fields_of(by_id) == fields_of(orm.filter(id=customer.pk).first())
        assert by_id._state.adding is False
        by_source = statements.lock_customer(source_id=customer.source_id)
        assert fields_of(by_source) == fields_of(orm.filter(source_id=customer.source_id).first())
        assert statements.lock_customer(id=customer.pk, source_id=other.source_id).pk == customer.pk  # id first
        assert statements.lock_customer(id="cust_nobody") is orm.filter(id="cust_nobody").first() is None
        assert statements.lock_customer(source_id="nobody") is None


# --- count_redemption and count_rollback -----------------------------------------------------------------

BOOKS = ("id", "code", "created_at")  # what twins do not share


def twins(make, **fields) -> tuple[Voucher, Voucher]:
    """Two vouchers alike but for their id and code (``updated_at`` too, which ``save`` sets to now)."""
    pair = make(**fields), make(**fields)
    Voucher.objects.filter(pk__in=[v.pk for v in pair]).update(updated_at=pair[0].updated_at)
    pair[1].updated_at = pair[0].updated_at
    return pair


def orm_count(voucher: Voucher, use: int, credits: int, moment) -> int:
    """The ORM's twin of :func:`campaigns.statements.count_redemption` (``use`` 1) / ``count_rollback`` (-1)."""
    rows = Voucher.objects.filter(pk=voucher.pk)
    changes = {"redeemed_quantity": F("redeemed_quantity") + use, "updated_at": moment}
    if voucher.is_gift and credits:
        changes |= {
            "gift_balance": F("gift_balance") - use * credits,
            "redeemed_amount": F("redeemed_amount") + use * credits,
        }
    return (rows if use > 0 else rows.filter(redeemed_quantity__gte=1)).update(**changes)


COUNTED = {
    "a voucher": (make_voucher, {"redemption_quantity": 3, "redeemed_quantity": 1}, 0),
    "a voucher sent credits": (make_voucher, {"redeemed_quantity": 2}, 700),
    "a gift card": (make_gift_card, {"amount": 5_000, "redeemed_quantity": 1, "redeemed_amount": 1_000}, 700),
    "a gift card without credits": (make_gift_card, {"amount": 5_000, "redeemed_quantity": 1}, 0),
    "a gift card without a balance": (
        make_voucher,
        {"type": "GIFT_VOUCHER", "discount_type": "", "percent_off": None},
        0,
    ),
    "nothing to give back": (make_voucher, {"redeemed_quantity": 0}, 0),
    "a gift card with nothing to give back": (make_gift_card, {"amount": 5_000, "redeemed_amount": 300}, 300),
}


@pytest.mark.parametrize("case", list(COUNTED))
@pytest.mark.parametrize("use", [1, -1], ids=["redemption", "rollback"])
def test_the_counters_change_as_the_orms_update_changes_them(case, use):
    make, fields, credits = COUNTED[case]
    ours, orms = twins(make, **fields)
    moment = now() - timedelta(minutes=5)
    statement = statements.count_redemption if use > 0 else statements.count_rollback

    with transaction.atomic(), hotsql.batch():  # queued like the redemption's, sent when the block ends
        statement(ours, credits, moment)
    changed = orm_count(orms, use, credits, moment)

    stored = Voucher.objects.get(pk=ours.pk)
    assert fields_of(stored, leave_out=BOOKS) == fields_of(Voucher.objects.get(pk=orms.pk), leave_out=BOOKS)
    assert fields_of(ours, leave_out=(*BOOKS, "updated_at")) == fields_of(stored, leave_out=(*BOOKS, "updated_at"))
    assert (stored.updated_at == moment) == bool(changed)


@pytest.mark.parametrize(
    "fields, credits",
    [({"redemption_quantity": 1, "redeemed_quantity": 1}, 0), ({"amount": 500}, 501)],
    ids=["quantity", "balance"],
)
def test_a_use_beyond_the_limits_is_refused_like_the_orms(fields, credits):
    make = make_gift_card if "amount" in fields else make_voucher
    ours, orms = twins(make, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        statements.count_redemption(ours, credits, now())
    with pytest.raises(IntegrityError), transaction.atomic():
        orm_count(orms, 1, credits, now())
    assert fields_of(Voucher.objects.get(pk=ours.pk), leave_out=BOOKS) == fields_of(
        Voucher.objects.get(pk=orms.pk), leave_out=BOOKS
    )


# --- row locks (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the rows must be committed for the other connection to see them
def test_the_voucher_lock_locks_the_rows_the_orms_select_for_update_of_self_locks():
    category = Category.objects.create(name="Locked?")
    campaign = make_campaign(category=category)
    by_id, by_code, binned = make_voucher(campaign=campaign), make_voucher(), make_voucher(deleted_at=now())
    untouched = make_voucher(campaign=campaign)
    rows = {"by id": by_id, "by code": by_code, "binned": binned, "untouched": untouched}
    rows |= {"campaign": campaign, "category": category}
    ids, codes = [by_id.pk], [by_code.code, binned.code]

    ours = locked_rows(lambda: statements.lock_vouchers(ids, codes=codes), rows)
    orms = locked_rows(lambda: orm_lock_vouchers(ids, codes), rows)

    assert ours == orms == {"by id", "by code"}
    assert locked_rows(lambda: statements.lock_vouchers(ids, codes=codes, for_update=False), rows) == set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_customer_lock_locks_the_row_the_orms_select_for_update_locks():
    customer, other = make_customer(), make_customer()
    rows = {"customer": customer, "other": other}
    orm = Customer.objects.select_for_update()

    for key in ({"id": customer.pk}, {"source_id": customer.source_id}):
        ours = locked_rows(lambda key=key: statements.lock_customer(**key), rows)
        assert ours == locked_rows(lambda key=key: orm.filter(**key).first(), rows) == {"customer"}
