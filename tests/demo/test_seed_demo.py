"""``manage.py seed_demo``: demo data of every kind, made by the real services; books; once; a login per role.

The invariants are recomputed here from the rows with ORM aggregates, independently of the generator's
own bookkeeping, so a generator that drifts from the engine's rules fails these tests.
"""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from auditlog.models import Event, RequestLog
from campaigns.models import (
    Campaign,
    CampaignType,
    Customer,
    DiscountType,
    Order,
    PromotionTier,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherTransaction,
    VoucherType,
)
from demo import loader
from demo.catalogue import LOYALTY_PROGRAM
from loyalty.models import LedgerSource, LoyaltyCard, PointsBucket, PointsTransaction, PointsType
from redemptions.models import Redemption, Rollback, Validation
from redemptions.services.redemption import NOT_REDEEMED
from sessions.models import ReleaseReason, SessionLock, SessionStatus, ValidationSession
from stacking.checks import FailureCode
from stacking.models import Category, StackingEligibility, StackingRules

# role_groups: the groups as the migration makes them, even after a transactional test of this worker flushed them
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

SIZE = "400"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--redemptions", SIZE, "--password", "pw", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return seed()


def counts() -> dict[str, int]:
    models = (Campaign, Voucher, PromotionTier, Customer, Segment, Order, Redemption, Rollback, Validation)
    more = (ValidationSession, SessionLock, VoucherTransaction, RequestLog, Event, Category, ValidationRuleAssignment)
    return {model.__name__: model.objects.count() for model in models + more}


def assert_books_balance() -> None:
    """The invariants the engine keeps, computed from the rows."""
    # Stacked parents carry no voucher; excluding them says what is counted all the same.
    succeeded = Count(
        "redemptions",
        filter=Q(redemptions__status="SUCCEEDED") & ~Q(redemptions__related_object_type="redemption"),
    )
    wrong_quantity = Voucher.objects.annotate(n=succeeded).exclude(redeemed_quantity=F("n"))
    assert list(wrong_quantity.values_list("code", "redeemed_quantity", "n")) == []
    over = Voucher.objects.filter(redemption_quantity__lt=F("redeemed_quantity") + F("locked_quantity"))
    assert not over.exists()

    cards = Voucher.objects.filter(type=VoucherType.GIFT_VOUCHER)
    spent = cards.annotate(
        spent=Sum("redemptions__amount", filter=Q(redemptions__status="SUCCEEDED"), default=0)
    ).exclude(gift_balance=F("gift_amount") - F("spent"))
    assert list(spent.values_list("code", "gift_amount", "gift_balance", "spent")) == []
    ledger = cards.annotate(total=Sum("transactions__amount")).exclude(gift_balance=F("total"))
    assert list(ledger.values_list("code", "gift_balance", "total")) == []
    assert not cards.exclude(redeemed_amount=F("gift_amount") - F("gift_balance")).exists()
    for card in cards.filter(transactions__source="REDEMPTION").distinct()[:20]:
        balance = 0
        for tx in card.transactions.order_by("created_at", "source"):
            balance += tx.amount
            assert tx.balance_after == balance >= 0, (card.code, tx.id)
        assert balance == card.gift_balance

    # Locks of active sessions, and only those, are mirrored on the vouchers.
    active = Q(session_locks__released_at=None, session_locks__session__status=SessionStatus.ACTIVE)
    mirrored = Voucher.objects.annotate(
        q=Sum("session_locks__quantity", filter=active, default=0),
        c=Sum("session_locks__credits", filter=active, default=0),
    ).exclude(locked_quantity=F("q"), locked_credits=F("c"))
    assert list(mirrored.values_list("code", "locked_quantity", "q", "locked_credits", "c")) == []
    assert not SessionLock.objects.filter(released_at=None).exclude(session__status=SessionStatus.ACTIVE).exists()
    assert not SessionLock.objects.filter(session__status=SessionStatus.ACTIVE).exclude(released_at=None).exists()

    # Stacked children share their parent's order, customer and time.
    mismatched = Redemption.objects.exclude(parent=None).exclude(
        order=F("parent__order"), customer=F("parent__customer"), created_at=F("parent__created_at")
    )
    assert not mismatched.exists()


def test_seed_demo_prints_a_summary_and_the_four_logins(seeded):
    assert "Demo data created" in seeded
    assert f"{int(SIZE):,} redemptions" in seeded
    for line in (
        "admin      Admin      pw",
        "marketer   Marketer   pw",
        "staff      Staff      pw",
        "owner      superuser  pw",
    ):
        assert line in seeded


def test_demo_users_have_their_roles_and_log_in_with_the_password(seeded, client):
    users = get_user_model().objects
    for username, group in (("admin", "Admin"), ("marketer", "Marketer"), ("staff", "Staff")):
        user = users.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert not user.is_superuser
        assert client.login(username=username, password="pw")
    owner = users.get(username="owner")
    assert owner.is_superuser and owner.is_staff
    assert client.login(username="owner", password="pw")


def test_running_it_twice_creates_nothing_new_and_keeps_the_passwords(seeded, client):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", "--redemptions", SIZE, stdout=out)
    assert "already present" in out.getvalue()
    assert counts() == before
    assert_books_balance()
    # Without --password the users keep the password chosen before (make run seeds on every start).
    for name in ("admin", "marketer", "staff", "owner"):
        line = next(line for line in out.getvalue().splitlines() if line.strip().startswith(name))
        assert line.split()[-1] == "(unchanged)"
    assert client.login(username="marketer", password="pw")
    assert client.login(username="admin", password="pw")


def test_users_made_before_keep_their_passwords_on_every_run(client):
    get_user_model().objects.create_user("admin", password="mine")
    get_user_model().objects.create_user("marketer", password="kept")
    call_command("seed_demo", "--redemptions", "100", stdout=io.StringIO())  # load the data once
    out = io.StringIO()
    call_command("seed_demo", "--redemptions", "100", stdout=out)
    lines = {line.split()[0]: line.split()[-1] for line in out.getvalue().splitlines() if line.startswith("  ")}
    assert lines["admin"] == lines["marketer"] == lines["staff"] == lines["owner"] == "(unchanged)"
    assert client.login(username="admin", password="mine")
    assert client.login(username="marketer", password="kept")


def test_the_first_run_prints_the_new_users_random_passwords(client):
    get_user_model().objects.create_user("admin", password="mine")
    out = io.StringIO()
    call_command("seed_demo", "--redemptions", "100", stdout=out)
    lines = {line.split()[0]: line.split()[-1] for line in out.getvalue().splitlines() if line.startswith("  ")}
    assert lines["admin"] == "(unchanged)"
    assert client.login(username="admin", password="mine")
    for name in ("marketer", "staff", "owner"):
        assert lines[name] != "(unchanged)"
        assert client.login(username=name, password=lines[name])


def test_reset_deletes_the_demo_data_and_creates_it_again(seeded):
    before = counts()
    old_ids = set(Redemption.objects.values_list("id", flat=True)[:50])
    out = seed("--reset")
    assert "Deleted the previous demo data" in out and "Demo data created" in out
    assert counts() == before  # the same seed gives the same data
    assert not Redemption.objects.filter(id__in=old_ids).exists()
    assert_books_balance()


def test_rules_name_their_amounts_in_the_currency_and_reset_finds_those_named_before(seeded):
    assert ValidationRule.objects.filter(name="Orders from €100.00", error_message__contains="€100.00").exists()
    # Demo data loaded before the texts named the currency: its rule goes with the rest on --reset.
    ValidationRule.objects.filter(name="Orders from €100.00").update(name="Orders from 100.00")
    seed("--reset")
    assert not ValidationRule.objects.filter(name="Orders from 100.00").exists()
    assert ValidationRule.objects.filter(name="Orders from €100.00").count() == 1


def test_reset_leaves_data_that_is_not_the_demo_alone(seeded):
    mine = Customer.objects.create(source_id="shop-42", name="Real Customer")
    campaign = Campaign.objects.create(name="Real campaign", campaign_type=CampaignType.DISCOUNT_COUPONS)
    seed("--reset")
    assert Customer.objects.filter(pk=mine.pk).exists()
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_the_books_balance_vouchers_gift_cards_and_locks(seeded):
    assert_books_balance()


def test_every_failure_code_appears_on_failed_attempts_with_its_message(seeded):
    failed = Redemption.objects.filter(result="FAILURE")
    assert set(failed.values_list("failure_code", flat=True)) == set(FailureCode)
    for code in FailureCode:
        attempt = failed.filter(failure_code=code).exclude(failure_message=NOT_REDEEMED).first()
        assert attempt.id.startswith("rf_")
        assert attempt.status == "FAILED"
        assert attempt.failure_message == code.label
    assert not Redemption.objects.filter(result="SUCCESS", id__startswith="rf_").exists()
    assert not failed.exclude(id__startswith="rf_").exists()
    assert failed.filter(failure_code=FailureCode.RESOURCE_NOT_FOUND, voucher=None).exclude(voucher_code="").exists()


def test_campaigns_of_every_type_with_vouchers_of_every_kind(seeded):
    assert set(Campaign.objects.values_list("campaign_type", flat=True)) == set(CampaignType.values)
    assert Campaign.objects.filter(name="Black Friday 2026").exists()
    assert PromotionTier.objects.filter(campaign__campaign_type=CampaignType.PROMOTION).count() >= 2
    discounts = Voucher.objects.filter(type=VoucherType.DISCOUNT_VOUCHER)
    assert set(discounts.values_list("discount_type", flat=True)) == set(DiscountType.values)
    now = timezone.now()
    assert Voucher.objects.filter(expiration_date__lt=now).exists()
    assert Voucher.objects.filter(active=False).exists()
    assert Voucher.objects.filter(start_date__gt=now).exists()
    assert Voucher.objects.filter(redemption_quantity=None, type=VoucherType.DISCOUNT_VOUCHER).exists()
    assert Voucher.objects.filter(redemption_quantity=F("redeemed_quantity"), redeemed_quantity__gt=0).exists()
    eligibility = set(Category.objects.values_list("stacking_rules_type", flat=True))
    assert eligibility == set(StackingEligibility.values)
    assert StackingRules.objects.filter(pk=StackingRules.SINGLETON_PK).exists()
    assert ValidationRuleAssignment.objects.exclude(voucher=None).exists()
    assert ValidationRuleAssignment.objects.exclude(promotion_tier=None).exists()
    assert Customer.objects.filter(metadata__tier="gold", metadata__country="PL").exists()


def test_gift_cards_have_a_creation_transaction_then_redemptions_and_rollbacks(seeded):
    cards = Voucher.objects.filter(type=VoucherType.GIFT_VOUCHER)
    assert cards.count() == VoucherTransaction.objects.filter(source="CREATION").count()
    assert not cards.exclude(transactions__source="CREATION").exists()
    assert VoucherTransaction.objects.filter(source="REDEMPTION", amount__lt=0).exists()
    assert not VoucherTransaction.objects.filter(source="REDEMPTION", amount__gte=0).exists()
    assert VoucherTransaction.objects.filter(source="ROLLBACK", amount__gt=0).exists()
    first = VoucherTransaction.objects.filter(source="CREATION").first()
    assert first.amount == first.balance_after == first.voucher.gift_amount


def test_rolled_back_redemptions_have_a_successful_rollback(seeded):
    rolled_back = Redemption.objects.filter(status="ROLLED_BACK")
    assert rolled_back.exists()
    assert not rolled_back.exclude(rollbacks__result="SUCCESS").exists()
    ok = Rollback.objects.filter(result="SUCCESS")
    assert not ok.exclude(id__startswith="rr_").exists()
    assert not ok.exclude(status="SUCCEEDED").exists()
    assert not ok.exclude(redemption__status="ROLLED_BACK").exists()
    gift = ok.filter(redemption__voucher__type=VoucherType.GIFT_VOUCHER, redemption__amount__gt=0)
    assert gift.exists()
    assert not gift.exclude(amount=-F("redemption__amount")).exists()
    assert not ok.filter(redemption__voucher__type=VoucherType.DISCOUNT_VOUCHER).exclude(amount=0).exists()


def test_a_rollback_sent_twice_is_refused_the_second_time(seeded):
    refused = Rollback.objects.filter(result="FAILURE", failure_code="already_rolled_back")
    assert refused.exists()
    assert not refused.exclude(redemption__status="ROLLED_BACK").exists()


def test_stacked_parents_have_children_and_channels_are_api_keys_and_users(seeded):
    parents = Redemption.objects.filter(related_object_type="redemption")
    assert parents.exists()
    # A successful stack's parent is an r_, a failed one's an rf_ carrying the call's failure, whose
    # attempts all failed: the one that failed says why, the others that another one did.
    assert not parents.filter(result="SUCCESS").exclude(id__startswith="r_").exists()
    failed_parents = parents.filter(result="FAILURE")
    assert failed_parents.exists() and not failed_parents.exclude(id__startswith="rf_").exists()
    failed_children = Redemption.objects.filter(parent__in=failed_parents)
    assert not failed_children.exclude(result="FAILURE").exists()
    bystanders = failed_children.filter(failure_message=NOT_REDEEMED)
    assert bystanders.exists() and not bystanders.exclude(failure_code=F("parent__failure_code")).exists()
    assert not parents.annotate(n=Count("children")).filter(n=0).exists()
    assert not parents.exclude(voucher=None).exists()
    channels = set(Redemption.objects.values_list("channel_type", "channel_id").distinct())
    assert ("API", "Web shop") in channels
    assert ("USER", "admin") in channels
    assert Redemption.objects.filter(related_object_type="promotion_tier").exclude(promotion_tier=None).exists()


def test_validations_hold_redeemables_as_the_engine_stores_them_and_answered_the_api_shape(seeded):
    validations = Validation.objects.select_related("request_log")
    assert validations.filter(valid=True).exists() and validations.filter(valid=False).exists()
    error_keys = {code.error_key for code in FailureCode}
    seen = set()
    for validation in validations:
        statuses = [item["status"] for item in validation.redeemables]
        assert validation.applicable_count == statuses.count("APPLICABLE")
        assert validation.inapplicable_count == statuses.count("INAPPLICABLE")
        assert validation.skipped_count == statuses.count("SKIPPED")
        assert validation.valid == (validation.inapplicable_count == 0)
        for item in validation.redeemables:  # the record redemptions.records keeps
            assert item["object"] in ("voucher", "promotion_tier") and item["id"]
            seen.add(item["status"])
            if item["status"] == "INAPPLICABLE":
                assert item["reason"] in error_keys and item["message"]
        # The API's answer, as the request log keeps it.
        answer = validation.request_log.response_body
        assert answer["valid"] == validation.valid
        for item in answer["redeemables"] + answer.get("inapplicable_redeemables", []):
            assert item["object"] in ("voucher", "promotion_tier") and item["id"] and "result" in item
            if item["status"] == "INAPPLICABLE":
                assert item["result"]["error"]["key"] in error_keys
    assert seen == {"APPLICABLE", "INAPPLICABLE", "SKIPPED"}
    assert validations.exclude(session_key="").exists()


def test_sessions_of_every_status_with_their_release_reason(seeded):
    sessions = ValidationSession.objects.all()
    assert set(sessions.values_list("status", flat=True)) == set(SessionStatus.values)
    assert not sessions.exclude(key__startswith="ssn_").exists()
    assert not sessions.filter(status="ACTIVE").exclude(release_reason="").exists()
    assert not sessions.filter(status="EXPIRED").exclude(release_reason=ReleaseReason.EXPIRED).exists()
    assert sessions.filter(status="RELEASED", release_reason=ReleaseReason.REDEEMED).exists()
    assert not sessions.filter(locks=None).exists()
    assert Voucher.objects.filter(locked_quantity__gt=0).exists()


def test_audit_log_rows_link_events_to_request_logs_without_secrets(seeded):
    logs = RequestLog.objects.all()
    assert logs.filter(path="/v1/redemptions", response_status=400).exists()
    assert logs.filter(path="/v1/redemptions", response_status=404).exists()
    assert logs.filter(path="/v1/validations", response_status=200).exists()
    assert not logs.exclude(id__startswith="v-").exists()
    for log in logs[:200]:
        assert "token" not in str(log.request_body).lower() and "token" not in str(log.response_body).lower()
    types = set(Event.objects.values_list("type", flat=True))
    assert {
        "redemption.succeeded",
        "redemption.failed",
        "redemption.rollback.succeeded",
        "voucher.validated",
        "session.created",
        "session.released",
    } <= types
    assert not Event.objects.filter(type="redemption.succeeded").filter(Q(resource_id="") | Q(campaign_id="")).exists()
    assert Event.objects.exclude(request_log=None).filter(request_log__response_status=200).exists()


def test_data_spreads_over_the_last_ninety_days_and_ids_sort_by_time(seeded):
    now = timezone.now()
    oldest = Redemption.objects.order_by("created_at").first().created_at
    newest = Redemption.objects.order_by("-created_at").first().created_at
    assert now - timedelta(days=91) < oldest < now - timedelta(days=80)
    assert newest <= now
    assert Validation.objects.order_by("created_at").first().created_at > now - timedelta(days=31)
    for prefix in ("r_", "rf_"):
        by_id = Redemption.objects.filter(id__startswith=prefix).order_by("id").values_list("created_at", flat=True)
        by_id = list(by_id)
        assert len(by_id) > 10
        # Ids of the same millisecond may come in any order; otherwise the id order is the time order.
        assert all(a <= b + timedelta(milliseconds=1) for a, b in zip(by_id, by_id[1:], strict=False))


def test_most_calls_succeed_to_the_end_customers_stop_bringing_drained_gift_cards(seeded):
    # A shop whose gift cards ran dry would show a wall of gift_amount_exceeded in its latest weeks.
    later = Redemption.objects.filter(parent=None, created_at__gte=timezone.now() - timedelta(days=45))
    assert later.count() > 50
    assert later.filter(result="FAILURE").count() < later.count() / 4
    assert later.filter(failure_code=FailureCode.GIFT_AMOUNT_EXCEEDED).count() < later.count() / 20
    gift = later.filter(voucher__type=VoucherType.GIFT_VOUCHER, result="SUCCESS")
    assert gift.exists() and gift.filter(amount__lt=F("voucher__gift_amount")).exists()  # cards spent in parts


def test_the_loyalty_program_has_members_joining_points_activated_and_expired_through_the_history(seeded):
    today = timezone.localdate()
    program = Campaign.objects.get(name=LOYALTY_PROGRAM)
    cards = LoyaltyCard.objects.filter(campaign=program)
    joined = set(cards.annotate(day=TruncDate("created_at")).values_list("day", flat=True))
    assert len(joined) > 10  # members join during the history, not all on its first day
    ledger = PointsTransaction.objects.filter(campaign=program)
    activated = ledger.filter(type=PointsType.PENDING_ACTIVATION)
    days = set(activated.annotate(day=TruncDate("created_at")).values_list("day", flat=True))
    assert len(days) > 10 and max(days) <= today  # the daily beat, on the day each is due
    expired = ledger.filter(type=PointsType.EXPIRATION)
    assert expired.exists() and not expired.filter(points__gte=0).exists()
    by_automation = set(
        ledger.filter(type__in=(PointsType.PENDING_ACTIVATION, PointsType.EXPIRATION)).values_list("source", flat=True)
    )
    assert by_automation == {LedgerSource.SYSTEM}
    # The books: a card's balance is its ledger's sum, its expired points the expiration rows', and what
    # its buckets hold is still to expire (none is due any more) and never more than it can spend.
    for card in cards:
        rows = ledger.filter(card=card)
        assert card.balance == rows.aggregate(n=Sum("points"))["n"]
        assert (
            card.expired_points == -rows.filter(type=PointsType.EXPIRATION).aggregate(n=Sum("points", default=0))["n"]
        )
        buckets = PointsBucket.objects.filter(card=card)
        assert not buckets.filter(expires_at__lte=today).exists()
        assert buckets.aggregate(n=Sum("remaining", default=0))["n"] <= card.balance
    assert PointsBucket.objects.filter(campaign=program, expires_at__gt=today).exists()  # what expires next


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    seed()
    first = sorted(Voucher.objects.values_list("code", flat=True))
    seed("--reset")
    assert sorted(Voucher.objects.values_list("code", flat=True)) == first
    seed("--reset", "--seed", "7")
    assert sorted(Voucher.objects.values_list("code", flat=True)) != first


def test_too_few_redemptions_is_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--redemptions", "10", stdout=io.StringIO())
    assert not Campaign.objects.exists()


def test_the_generator_can_be_asked_for_an_exact_number_of_redemptions():
    loader.seed_demo(redemptions=150, password="pw")
    assert Redemption.objects.count() == 150
    assert_books_balance()
