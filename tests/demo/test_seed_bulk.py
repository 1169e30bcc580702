"""``manage.py seed_demo --redemptions N`` above the bulk threshold: copies of the small demo made by the server.

The books are recomputed from the rows with ORM aggregates (the same checks as the small demo's tests),
independently of the loader. The schema must come out of a load exactly as it went in: the loader drops and
recreates indexes and foreign keys inside its transaction.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from campaigns.models import Campaign, CampaignType, Customer, Order, Voucher, VoucherType
from demo import bulk
from demo.bulk.load import TEMPLATE_REDEMPTIONS
from demo.bulk.template import CLONED
from demo.catalogue import CAMPAIGNS
from loyalty.models import LoyaltyCard, PendingPoints, PointsBucket, PointsTransaction
from redemptions.models import Redemption, Rollback, Validation
from redemptions.services.redemption import NOT_REDEEMED
from referrals.models import Referral, Referrer
from sessions.models import SessionLock, SessionStatus, ValidationSession
from stacking.checks import FailureCode
from tests.demo.test_seed_demo import assert_books_balance

# role_groups: the groups as the migration makes them, even after a transactional test of this worker flushed them
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

SIZE = 30_000  # 30 copies of a template of 1,000 redemptions: exactly SIZE
COPIED = r"-L\d+C\d+$"  # the suffix of a copy's voucher codes and source ids
LOADED_TABLES = [model._meta.db_table for model in CLONED]


def schema() -> set[tuple[str, ...]]:
    """Every index and constraint definition of the tables a load writes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [LOADED_TABLES]
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, condeferred
            FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)
            """,
            [LOADED_TABLES],
        )
        return indexes | set(cursor.fetchall())


def copy_of(source_id: str) -> str:
    """Which copy a source id belongs to: its ``-L<load>C<copy>`` suffix, "" in a template."""
    found = re.search(COPIED, source_id)
    return found.group() if found else ""


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--redemptions", str(SIZE), "--password", "pw", *args, stdout=out)
    return out.getvalue()


def assert_failures() -> None:
    """Every failure code, each with its message; failed attempts never carry amounts."""
    failed = Redemption.objects.filter(result="FAILURE")
    assert set(failed.values_list("failure_code", flat=True)) == set(FailureCode)
    for code, message in failed.values_list("failure_code", "failure_message").distinct():
        assert message in (FailureCode(code).label, NOT_REDEEMED)
    assert not failed.filter(failure_message=NOT_REDEEMED, parent=None).exists()  # only in a failed stack
    assert not failed.exclude(id__startswith="rf_").exists()
    assert not failed.filter(Q(amount__gt=0) | Q(gift_amount__gt=0) | Q(discount_amount__gt=0)).exists()
    assert failed.filter(failure_code=FailureCode.RESOURCE_NOT_FOUND, voucher=None).exclude(voucher_code="").exists()
    assert failed.filter(failure_code=FailureCode.MISSING_CUSTOMER, customer=None).exists()
    # A copy's date checks still hold at its shifted time (the voucher's dates moved with it).
    early = failed.filter(failure_code=FailureCode.VOUCHER_NOT_ACTIVE).exclude(voucher=None)
    assert early.exists()
    assert (
        not early.exclude(voucher__start_date__gt=F("created_at"))
        .exclude(campaign__start_date__gt=F("created_at"))
        .exists()
    )
    late = failed.filter(failure_code=FailureCode.VOUCHER_EXPIRED).exclude(voucher=None)
    assert late.exists()
    assert (
        not late.exclude(voucher__expiration_date__lt=F("created_at"))
        .exclude(campaign__expiration_date__lt=F("created_at"))
        .exists()
    )


def assert_rollbacks() -> None:
    """Rolled back: status ROLLED_BACK and exactly one successful rollback; gift credits come back."""
    statuses = set(Redemption.objects.values_list("status", flat=True).distinct())
    assert statuses == {"SUCCEEDED", "FAILED", "ROLLED_BACK"}
    rolled_back = Redemption.objects.filter(status="ROLLED_BACK")
    ok = Q(rollbacks__result="SUCCESS")
    assert not rolled_back.annotate(n=Count("rollbacks", filter=ok)).exclude(n=1).exists()
    assert not Redemption.objects.exclude(status="ROLLED_BACK").filter(rollbacks__result="SUCCESS").exists()
    ok_rollbacks = Rollback.objects.filter(result="SUCCESS")
    assert not ok_rollbacks.exclude(id__startswith="rr_").exists()
    gift = ok_rollbacks.filter(redemption__voucher__type=VoucherType.GIFT_VOUCHER, redemption__amount__gt=0)
    assert gift.exists() and not gift.exclude(amount=-F("redemption__amount")).exists()
    assert Rollback.objects.filter(result="FAILURE", failure_code="already_rolled_back").exists()
    assert not Order.objects.filter(redemptions__status="ROLLED_BACK").exclude(status="CANCELED").exists()


def assert_stacks_and_orders(loads: int) -> None:
    """Stacks: a parent without a voucher, children sharing its status; a call's order and customer come
    from the same copy."""
    parents = Redemption.objects.filter(related_object_type="redemption")
    assert parents.count() > SIZE * loads / 100
    assert not parents.exclude(voucher=None).exists()
    # As in the small demo, a stack may apply one redeemable only (the others skipped): one child at least.
    assert not parents.annotate(n=Count("children")).filter(n=0).exists()
    assert not Redemption.objects.exclude(parent=None).exclude(status=F("parent__status")).exists()
    calls = Redemption.objects.filter(parent=None).exclude(order=None).exclude(customer=None)
    pairs = calls.values_list("order__source_id", "customer__source_id")
    assert not [pair for pair in pairs if {copy_of(source_id) for source_id in pair} != {copy_of(pair[1])}]
    assert any(copy_of(order) for order, _ in pairs)
    # A copy's customers and vouchers are moved back with their history: none redeems before it exists.
    assert not Redemption.objects.filter(created_at__lt=F("customer__created_at")).exists()
    assert not Redemption.objects.filter(created_at__lt=F("voucher__created_at")).exists()
    # Which attempts keep an order is the template's (the small demo's) decision, copied as it is.
    assert not Redemption.objects.filter(order=None).exclude(order_amount=None).exists()
    assert Redemption.objects.filter(related_object_type="promotion_tier").exclude(promotion_tier=None).exists()


def assert_channels_and_metadata() -> None:
    """Channels, and metadata with a few keys of a handful of values each (a meaningful filter)."""
    channels = set(Redemption.objects.values_list("channel_type", "channel_id").distinct())
    assert {("API", "Web shop"), ("API", "Mobile app"), ("API", "POS Warsaw"), ("USER", "admin")} <= channels
    assert not Redemption.objects.filter(channel_type="USER", user=None).exists()
    for key in ("store", "platform"):  # the small demo's keys
        values = set(Redemption.objects.values_list(f"metadata__{key}", flat=True).distinct())
        assert 3 <= len(values) <= 8, (key, values)
    android = Redemption.objects.filter(metadata__contains={"platform": "android"}).count()
    assert 0 < android < Redemption.objects.count() / 4


def assert_catalogue() -> None:
    """Campaigns of the three types, gift cards among the vouchers, customers with metadata."""
    assert set(Campaign.objects.values_list("campaign_type", flat=True)) == set(CampaignType.values)
    cards = Voucher.objects.filter(type=VoucherType.GIFT_VOUCHER)
    assert cards.filter(gift_balance__lt=F("gift_amount")).exists()
    assert Customer.objects.filter(metadata__tier="gold", metadata__country="PL").exists()
    assert not Voucher.objects.filter(type=VoucherType.DISCOUNT_VOUCHER, redeemed_amount__gt=0).exists()


def assert_sessions() -> None:
    """Sessions of every status; only the active ones hold locks, and only the template keeps active ones."""
    sessions = ValidationSession.objects.all()
    assert set(sessions.values_list("status", flat=True).distinct()) == set(SessionStatus.values)
    assert not sessions.filter(locks=None).exists()
    assert SessionLock.objects.filter(released_at=None).exists()
    assert Voucher.objects.filter(locked_quantity__gt=0).exists()
    assert not sessions.filter(released_at__gt=timezone.now()).exists()
    assert not Voucher.objects.filter(code__regex=COPIED, locked_quantity__gt=0).exists()


def assert_a_year_in_time_order() -> None:
    """A year of history in time order; validations only for the 30 days kept."""
    now = timezone.now()
    oldest = Redemption.objects.order_by("created_at").values_list("created_at", flat=True).first()
    newest = Redemption.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    assert now - timedelta(days=366) < oldest < now - timedelta(days=330)
    assert newest <= now
    # Copies moved back never precede their campaign: the load's campaigns start early enough.
    succeeded = Redemption.objects.filter(result="SUCCESS")
    assert not succeeded.filter(campaign__start_date__gt=F("created_at")).exists()
    assert not succeeded.filter(campaign__expiration_date__lt=F("created_at")).exists()
    validations = Validation.objects.all()
    assert validations.filter(valid=True).exists() and validations.filter(valid=False).exists()
    assert validations.order_by("created_at").first().created_at > now - timedelta(days=31)
    assert validations.exclude(session_key="").exists()
    for prefix in ("r_", "rf_"):
        by_id = Redemption.objects.filter(id__startswith=prefix).order_by("id")
        times = list(by_id.values_list("created_at", flat=True)[:3000])
        assert all(a <= b + timedelta(milliseconds=1) for a, b in zip(times, times[1:], strict=False))


def assert_validation_records() -> None:
    """A validation's stored redeemables point at campaigns that exist: copies share their load's campaigns."""
    campaigns = set(Campaign.objects.values_list("id", flat=True))
    records = Validation.objects.order_by("created_at").values_list("redeemables", flat=True)[:400]
    seen = {item["campaign_id"] for redeemables in records for item in redeemables if item.get("campaign_id")}
    assert seen and seen <= campaigns


def assert_bulk_invariants(loads: int) -> None:
    assert Redemption.objects.count() == loads * SIZE
    assert_books_balance()
    assert_failures()
    assert_rollbacks()
    assert_stacks_and_orders(loads)
    assert_channels_and_metadata()
    assert_catalogue()
    assert_sessions()
    assert_a_year_in_time_order()
    assert_validation_records()


def assert_copies_repeat_the_template(load: int) -> None:
    """Each copy of a template voucher (its code suffixed ``-L<load>C<copy>``) kept the template's books."""
    copies = SIZE // TEMPLATE_REDEMPTIONS
    template = Voucher.objects.filter(campaign__name__endswith=f"· load {load}").exclude(code__regex=COPIED)
    for voucher in template[:40]:
        clones = Voucher.objects.filter(code__startswith=f"{voucher.code}-L{load}C")
        assert clones.count() == copies - 1
        kept = clones.filter(redeemed_quantity=voucher.redeemed_quantity, redeemed_amount=voucher.redeemed_amount)
        assert kept.count() == copies - 1, voucher.code
    cards = LoyaltyCard.objects.filter(campaign__name__endswith=f"· load {load}")
    assert cards.count() == copies * cards.exclude(voucher__code__regex=COPIED).count()
    for card in cards.filter(voucher__code__regex=COPIED)[:40]:  # each copy's ledger adds up to its balance
        ledger = PointsTransaction.objects.filter(card=card).aggregate(n=Sum("points"))["n"] or 0
        assert ledger == card.balance, card.voucher.code
    # A copy's days moved back with it: its points still expire (end of the second month) and become usable
    # (14 days) as long after they were added as the template's did, not at the template's dates.
    buckets = PointsBucket.objects.filter(campaign__name__endswith=f"· load {load}", card__voucher__code__regex=COPIED)
    spans = {(bucket.expires_at - bucket.created_at.date()).days for bucket in buckets}
    assert spans and min(spans) >= 0 and max(spans) <= 93, spans
    pending = PendingPoints.objects.filter(campaign__name__endswith=f"· load {load}", card__voucher__code__regex=COPIED)
    assert pending.exists() and {(p.activates_at - p.created_at.date()).days for p in pending} <= {13, 14, 15}
    referrals = Referral.objects.filter(campaign__name__endswith=f"· load {load}")
    template = referrals.exclude(referee__source_id__regex=COPIED).count()
    assert template > 0 and referrals.count() == copies * template  # each copy refers its own customers
    referrers = Referrer.objects.filter(campaign__name__endswith=f"· load {load}")
    assert referrers.aggregate(n=Sum("referrals"))["n"] == referrals.count()  # the counts add up


@pytest.mark.postgres
def test_a_bulk_load_keeps_the_books_and_a_second_one_adds_as_much():
    before = schema()
    out = load()
    assert f"{SIZE:,} redemptions" in out and "per million redemptions" in out
    assert re.search(r"Bulk load 1 created in [\d.]+ s", out)
    assert f"the template and {SIZE // TEMPLATE_REDEMPTIONS - 1} copies of it" in out
    assert "marketer   Marketer   pw" in out
    assert schema() == before  # indexes and foreign keys are back, deferrable as Django made them
    assert_bulk_invariants(loads=1)
    assert_copies_repeat_the_template(load=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'redemptions_redemption'")
        assert cursor.fetchone()[0] >= SIZE * 0.9  # ANALYZEd

    # Another load adds its own campaigns, vouchers and customers; nothing collides. This one keeps
    # the indexes and checks foreign keys row by row (the path a big table takes).
    customers = set(Customer.objects.values_list("id", flat=True))
    result = bulk.seed_bulk(redemptions=SIZE, password="pw", rebuild="never")
    assert result.load == 2 and result.rebuilt == [] and result.copies == SIZE // TEMPLATE_REDEMPTIONS
    assert schema() == before
    # and its loyalty and referral programs
    assert Campaign.objects.filter(name__endswith="· load 2").count() == len(CAMPAIGNS) + 2
    assert customers < set(Customer.objects.values_list("id", flat=True))
    assert Customer.objects.count() == len(customers) + result.created["customers"]
    assert_bulk_invariants(loads=2)
    assert_copies_repeat_the_template(load=2)


@pytest.mark.postgres
def test_reset_is_refused_for_a_bulk_load():
    with pytest.raises(CommandError, match="--reset is for the small demo"):
        load("--reset")
    assert not Campaign.objects.exists()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="what SQLite says to a bulk load")
def test_sqlite_refuses_a_bulk_load_with_a_clear_message():
    with pytest.raises(CommandError, match="a bulk load that PostgreSQL makes itself"):
        load()
    assert not Campaign.objects.exists()
    out = io.StringIO()
    call_command("seed_demo", "--redemptions", "150", "--password", "pw", stdout=out)  # the small path still works
    assert "Demo data created" in out.getvalue()
