"""Events in words (auditlog.sentences): one sentence per event from its type and data, money formatted as
every page formats it, a readable fallback for any other type, and the raw event only for admins."""

import pytest

from auditlog.models import Event
from auditlog.sentences import (
    EVENT_CHOICES,
    EVENT_GROUPS,
    RELEASED_HOW,
    sentence,
    sentence_html,
    technical_details,
    tier_ids,
)
from dashboard.formatting import money
from stacking import reasons


def words(type_: str, **data) -> str:
    return sentence(Event(type=type_, data=data))


def test_redemption_events_read_as_sentences():
    amount = money(500)
    assert words("redemption.succeeded", object="voucher", id="SUMMER10", amount=500) == (
        f"Voucher SUMMER10 redeemed for {amount}."
    )
    assert words("redemption.failed", object="promotion_tier", id="promo_1", failure_code="voucher_expired") == (
        "Redemption of promotion tier promo_1 failed: voucher expired."
    )
    assert words("redemption.rollback.succeeded", redemption_id="r_1", amount=-500, credits=500, discount=0) == (
        f"Redemption r_1 rolled back: {amount} returned to the gift card."
    )
    assert words("voucher.validated", object="voucher", id="TEN", status="INAPPLICABLE", failure_code="x_y") == (
        "Voucher TEN was validated and is not applicable: x y."
    )
    assert words("voucher.validated", object="voucher", id="TEN", status="APPLICABLE", failure_code=None) == (
        "Voucher TEN was validated and is applicable."
    )
    assert words("voucher.validated", object="voucher", id="TEN", status="SKIPPED", failure_code=None) == (
        "Voucher TEN was skipped in the validation."
    )
    assert words("redemption.succeeded", object="voucher", id="GIFT-1", amount=0) == "Voucher GIFT-1 redeemed."


def test_a_page_that_knows_the_failure_codes_sentence_says_it():
    event = Event(type="redemption.failed", data={"object": "voucher", "id": "OLD", "failure_code": "voucher_expired"})
    assert sentence(event, reason=reasons.sentence) == (
        "Redemption of voucher OLD failed: the voucher or its campaign has expired."
    )


def test_a_rollback_says_what_it_gave_back_credits_to_the_card_and_a_discount_cancelled():
    fifty, discount = money(5_000), money(1_295)
    # An event stored before the rollback's credits and discount were: its amount is minus the credits.
    assert words("redemption.rollback.succeeded", redemption_id="r_1", amount=-5_000) == (
        f"Redemption r_1 rolled back: {fifty} returned to the gift card."
    )
    assert words("redemption.rollback.succeeded", redemption_id="r_1", amount=0) == "Redemption r_1 rolled back."
    assert words("redemption.rollback.succeeded", redemption_id="r_2", amount=0, credits=0, discount=1_295) == (
        f"Redemption r_2 rolled back: its {discount} discount is cancelled."
    )
    stack = {"amount": -5_000, "credits": 5_000, "gift_cards": 2, "discount": 1_295}
    assert words("redemption.rollback.succeeded", redemption_id="r_3", **stack) == (
        f"Redemption r_3 rolled back: {fifty} returned to the gift cards and its {discount} discount is cancelled."
    )


def test_a_failed_stack_reads_as_its_redemption_pages_say_it():
    balance = reasons.sentence("gift_amount_exceeded")
    why = balance[:1].lower() + balance[1:].rstrip(".")
    parent = Event(type="redemption.failed", data={"stacked": 3, "failure_code": "gift_amount_exceeded"})
    assert sentence(parent, reason=reasons.sentence) == f"Stacked redemption of 3 redeemables failed: {why}."
    culprit = {"object": "voucher", "id": "CARD", "failure_code": "gift_amount_exceeded", "parent_id": "rf_p"}
    assert sentence(Event(type="redemption.failed", data=culprit), reason=reasons.sentence) == (
        f"Redemption of voucher CARD failed: {why}."
    )
    other = {**culprit, "id": "SAVE10", "failed_object": "voucher", "failed_id": "CARD"}
    assert sentence(Event(type="redemption.failed", data=other), reason=reasons.sentence) == (
        "Voucher SAVE10 not redeemed: voucher CARD failed."
    )
    tier = {**other, "object": "promotion_tier", "id": "promo_1", "name": "Silver members 5%"}
    assert words("redemption.failed", **tier) == "Promotion tier Silver members 5% not redeemed: voucher CARD failed."


def test_a_tier_reads_by_its_name_its_id_on_the_copy_button():
    tier_id = "promo_0123456789abcdef012345"
    data = {"object": "promotion_tier", "id": tier_id, "amount": 500}
    # A page that reads the tiers' names passes them; an event that stored the name has it itself.
    assert sentence(Event(type="redemption.succeeded", data=data), tiers={tier_id: "Silver"}) == (
        f"Promotion tier Silver redeemed for {money(500)}."
    )
    assert words("redemption.succeeded", **data, name="Gold") == f"Promotion tier Gold redeemed for {money(500)}."
    assert words("redemption.succeeded", **data) == f"Promotion tier {tier_id} redeemed for {money(500)}."
    shown = str(sentence_html(Event(type="redemption.succeeded", data={**data, "name": "Gold & co"})))
    assert "Gold &amp; co" in shown and f'title="{tier_id}"' in shown and f'data-copy="{tier_id}"' in shown
    assert tier_ids([Event(type="voucher.validated", data=data), Event(type="x", data=[1])]) == {tier_id}


def test_a_code_in_a_sentence_never_breaks():
    shown = str(sentence_html(Event(type="redemption.succeeded", data={"object": "voucher", "id": "WELCOME-DUP564"})))
    assert shown == 'Voucher <code class="text-nowrap">WELCOME-DUP564</code> redeemed.'
    odd = Event(type="session.created", data={"key": "k", "codes": [{"x": 1}, "A-1"], "locks": "bad"})
    assert '<code class="text-nowrap">A-1</code>' in str(sentence_html(odd))


def test_session_events_say_what_is_locked_and_for_how_long():
    assert words("session.created", key="ssn_1", ttl=7.0, ttl_unit="DAYS", locks=[{"code": "A"}, {"code": "B"}]) == (
        "Session ssn_1 locks A, B; it expires after 7 days."
    )
    assert words("session.released", key="ssn_1", reason="MANUAL", codes=["A"]) == (
        "Session ssn_1 released in the dashboard: A available again."
    )


def test_a_loyalty_cards_events_say_its_points_and_balance_never_the_platforms_spelling():
    card = {"code": "CLUB-7Q2M", "balance": 130}
    assert words("voucher.loyalty_card.points_aded", points=10, reason="Visit", **card) == (
        "Card CLUB-7Q2M: 10 points added (Visit). Balance: 130 points."
    )
    assert words("voucher.loyalty_card.points_aded", points=30, transferred=True, **card) == (
        "Card CLUB-7Q2M: 30 points transferred in. Balance: 130 points."
    )
    assert words("voucher.loyalty_card.points_removed", points=-60, reason="Coffee", **card) == (
        "Card CLUB-7Q2M: 60 points taken (Coffee). Balance: 130 points."
    )
    assert words("voucher.loyalty_card.points_transferred", points=-30, to="CLUB-88", **card) == (
        "Card CLUB-7Q2M: 30 points transferred to card CLUB-88. Balance: 130 points."
    )
    assert words("voucher.loyalty_card.points_expired", points=-1, **card) == (
        "Card CLUB-7Q2M: 1 point expired. Balance: 130 points."
    )
    assert words("customer.rewarded.loyalty_points", points=20, **card) == (
        "Card CLUB-7Q2M: 20 points earned. Balance: 130 points."
    )
    assert words("voucher.loyalty_card.pending_points.aded", code="CLUB-7Q2M", points=107) == (
        "Card CLUB-7Q2M: 107 points earned, pending until they become usable."
    )
    assert words("voucher.loyalty_card.pending_points.activated", points=107, **card) == (
        "Card CLUB-7Q2M: 107 pending points became usable. Balance: 130 points."
    )
    assert words("voucher.loyalty_card.pending_points.canceled", code="CLUB-7Q2M", points=5, reason="Returned") == (
        "Card CLUB-7Q2M: 5 pending points canceled (Returned)."
    )
    assert words("voucher.loyalty_card.points_aded", points="many") == "Card : 0 points added."  # odd data: no 500


def test_any_other_type_reads_as_its_words_and_odd_data_never_breaks_a_page():
    assert words("stacking_rules.updated") == "Stacking rules updated."
    assert words("validation_rule_assignment.deleted") == "Validation rule assignment deleted."
    assert words("campaign.vouchers.generated", count="many") == "0 vouchers generated."
    assert sentence(Event(type="redemption.succeeded", data=["not", "a", "dict"])) == "Voucher redeemed."


@pytest.mark.django_db
def test_the_raw_event_is_for_admins_without_customer_data_for_anyone_else(role_user):
    event = Event(type="customer.created", resource_type="customer", data={"source_id": "ann@x.io"})
    assert technical_details(event, role_user("Marketer")) == ""
    shown = technical_details(event, role_user("Admin"))
    assert "Technical details" in shown and "customer.created" in shown and "ann@x.io" in shown


def test_every_release_reason_has_its_words():
    from sessions.models import ReleaseReason

    assert set(RELEASED_HOW) == set(ReleaseReason.values)


def test_the_event_filters_offer_words():
    assert ("redemption.rollback.succeeded", "Redemption rollback succeeded") in EVENT_CHOICES
    assert all("." not in words and "_" not in words for _, words in EVENT_CHOICES + EVENT_GROUPS)


def test_referral_events_read_as_sentences():
    assert words("customer.referred", code="FRIEND-1", referrals=3) == (
        "Referred through code FRIEND-1: their referrer's referral 3."
    )
    assert words("customer.rewarded", reward="Thank-you coupon") == "Rewarded: Thank-you coupon."
    assert words("customer.rewarded", reward="Mug", problem="Out of stock") == (
        "Rewarded: Mug. Not handed over: Out of stock."
    )
    assert words("redeemable_holder.created", code="FRIEND-1") == "Added to referral code FRIEND-1 as a referee."
    assert words("campaign.referral_tier.created", reward="Mug", referrals=5) == (
        "Referral reward tier added: Mug after 5 referrals."
    )
