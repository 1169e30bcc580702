"""Events in words (auditlog.sentences): one sentence per event from its type and data, money formatted as
every page formats it, a readable fallback for any other type, and the raw event only for admins."""

import pytest

from auditlog.models import Event
from auditlog.sentences import EVENT_CHOICES, EVENT_GROUPS, RELEASED_HOW, sentence, technical_details
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
    assert words("redemption.rollback.succeeded", redemption_id="r_1", amount=500) == (
        f"Redemption r_1 rolled back: {amount} returned."
    )
    assert words("voucher.validated", object="voucher", id="TEN", status="INAPPLICABLE", failure_code="x_y") == (
        "Voucher TEN validated: inapplicable (x y)."
    )
    assert words("voucher.validated", object="voucher", id="TEN", status="APPLICABLE", failure_code=None) == (
        "Voucher TEN validated: applicable."
    )
    assert words("redemption.succeeded", object="voucher", id="GIFT-1", amount=0) == "Voucher GIFT-1 redeemed."


def test_a_page_that_knows_the_failure_codes_sentence_says_it():
    event = Event(type="redemption.failed", data={"object": "voucher", "id": "OLD", "failure_code": "voucher_expired"})
    assert sentence(event, reason=reasons.sentence) == (
        "Redemption of voucher OLD failed: the voucher or its campaign has expired."
    )


def test_session_events_say_what_is_locked_and_for_how_long():
    assert words("session.created", key="ssn_1", ttl=7.0, ttl_unit="DAYS", locks=[{"code": "A"}, {"code": "B"}]) == (
        "Session ssn_1 locks A, B; it expires after 7 days."
    )
    assert words("session.released", key="ssn_1", reason="MANUAL", codes=["A"]) == (
        "Session ssn_1 released in the dashboard: A available again."
    )


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
