"""The database itself refuses rows that would break the books, whatever the code above it does."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from campaigns.models import Campaign, Voucher
from redemptions.models import Redemption, Rollback
from sessions.models import ValidationSession
from stacking.models import StackingRules
from tests.factories import make_campaign, make_gift_card, make_voucher, now
from voucherhub.ids import new_id

pytestmark = pytest.mark.django_db


def refused(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_a_gift_card_balance_cannot_go_negative():
    card = make_gift_card(amount=5_000)
    assert refused(lambda: Voucher.objects.filter(pk=card.pk).update(gift_balance=F("gift_balance") - 5_001))
    card.refresh_from_db()
    assert card.gift_balance == 5_000


def test_voucher_codes_are_unique_and_case_sensitive():
    make_voucher(code="SUMMER")
    assert refused(lambda: make_voucher(code="SUMMER"))
    assert make_voucher(code="summer").code == "summer"


def test_a_voucher_cannot_be_redeemed_beyond_its_quantity_even_counting_locks():
    voucher = make_voucher(redemption_quantity=2)
    Voucher.objects.filter(pk=voucher.pk).update(redeemed_quantity=1, locked_quantity=1)
    assert refused(lambda: Voucher.objects.filter(pk=voucher.pk).update(redeemed_quantity=F("redeemed_quantity") + 1))
    # an unlimited voucher takes any number
    unlimited = make_voucher(redemption_quantity=None)
    Voucher.objects.filter(pk=unlimited.pk).update(redeemed_quantity=10_000)


def test_locked_gift_credits_cannot_exceed_the_balance():
    card = make_gift_card(amount=1_000)
    assert refused(lambda: Voucher.objects.filter(pk=card.pk).update(locked_credits=1_001))


@pytest.mark.parametrize(
    "field, value",
    [("type", "REFERRAL_CODE"), ("discount_type", "UNIT"), ("discount_effect", "APPLY_TO_EVERYTHING")],
)
def test_a_voucher_with_an_unknown_enum_value_is_refused(field, value):
    voucher = make_voucher()
    assert refused(lambda: Voucher.objects.filter(pk=voucher.pk).update(**{field: value}))


def test_a_campaign_with_an_unknown_type_is_refused():
    assert refused(lambda: make_campaign(campaign_type="LUCKY_DRAW"))


def test_a_campaign_cannot_end_before_it_starts():
    start = now()
    assert refused(lambda: make_campaign(start_date=start, expiration_date=start.replace(year=start.year - 1)))


def test_a_percent_discount_stays_between_0_and_100():
    assert refused(lambda: make_voucher(percent_off=101))
    assert refused(lambda: make_voucher(discount_type="AMOUNT", percent_off=None, amount_off=-1))


def test_voucher_codes_with_a_slash_are_refused_because_they_break_api_paths():
    assert refused(lambda: make_voucher(code="A/B"))


def test_there_is_exactly_one_stacking_rules_row():
    rules = StackingRules.load()
    assert StackingRules.load().pk == rules.pk
    assert refused(lambda: StackingRules.objects.create(id=2))
    assert StackingRules.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"redeemables_limit": 31},
        {"redeemables_limit": 0},
        {"applicable_redeemables_limit": 31},  # above redeemables_limit (30)
        {"applicable_exclusive_redeemables_limit": 6},  # above the platform's ceiling of 5
        {"redeemables_limit": 3, "applicable_redeemables_limit": 5},  # limits out of order
        {"redeemables_application_mode": "SOME"},
        {"redeemables_sorting_rule": "ALPHABETICAL"},
    ],
)
def test_stacking_limits_out_of_range_or_order_are_refused(changes):
    StackingRules.load()
    assert refused(lambda: StackingRules.objects.filter(pk=1).update(**changes))


def test_a_redemption_result_and_status_must_agree():
    base = {"created_at": now(), "related_object_type": "voucher", "voucher_code": "X"}
    assert refused(lambda: Redemption.objects.create(id=new_id("r_"), result="SUCCESS", status="FAILED", **base))
    # a failure needs its failure code
    assert refused(lambda: Redemption.objects.create(id=new_id("rf_"), result="FAILURE", status="FAILED", **base))
    assert refused(
        lambda: Redemption.objects.create(
            id=new_id("rf_"), result="FAILURE", status="FAILED", failure_code="not_a_code", **base
        )
    )


def test_a_redemption_is_rolled_back_successfully_at_most_once():
    redemption = Redemption.objects.create(
        id=new_id("r_"), created_at=now(), result="SUCCESS", status="SUCCEEDED", related_object_type="voucher"
    )
    rollback = {"redemption": redemption, "created_at": now(), "result": "SUCCESS", "status": "SUCCEEDED"}
    Rollback.objects.create(id=new_id("rr_"), **rollback)
    assert refused(lambda: Rollback.objects.create(id=new_id("rr_"), **rollback))
    # refused attempts are recorded as many times as they happen
    failed = {**rollback, "result": "FAILURE", "status": "FAILED", "failure_code": "already_rolled_back"}
    Rollback.objects.create(id=new_id("rrf_"), **failed)
    Rollback.objects.create(id=new_id("rrf_"), **failed)


def test_a_session_status_and_release_reason_must_agree():
    base = {"expires_at": now()}
    assert refused(lambda: ValidationSession.objects.create(key="ssn_a", status="RELEASED", **base))
    assert refused(
        lambda: ValidationSession.objects.create(key="ssn_b", status="ACTIVE", release_reason="MANUAL", **base)
    )
    assert refused(lambda: ValidationSession.objects.create(key="ssn_c", ttl_unit="WEEKS", **base))
    ValidationSession.objects.create(key="ssn_d", status="RELEASED", release_reason="MANUAL", **base)


def test_ids_carry_the_platform_prefixes():
    assert make_campaign().pk.startswith("camp_")
    assert make_voucher().pk.startswith("v_")
    assert Campaign.objects.count() == 1
