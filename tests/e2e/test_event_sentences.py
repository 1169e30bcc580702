"""Issue 14, events read as the redemption pages say them (auditlog.sentences), on a redemption's page, the
Audit log's Events list and a campaign's Activity tab: a failed stack's parent counts its redeemables and
gives the reason, the attempt that failed gives its own, the others name the one that failed; a rollback
says the credits it returned to a gift card or the discount it cancelled; a promotion tier reads by its
name (its id on the copy button), in events, the Validations list and a validation's page."""

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from dashboard.formatting import money
from redemptions.models import Validation
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from redemptions.services.validation import validate
from stacking.reasons import SENTENCES
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]

SHOP = Caller.system("shop")
BALANCE = SENTENCES["gift_amount_exceeded"]
WHY = BALANCE[:1].lower() + BALANCE[1:].rstrip(".")


def _redeem(*redeemables: dict, amount: int = 10_000):
    return redeem(stack(redeemables=list(redeemables), order={"amount": amount}), caller=SHOP)


@pytest.fixture
def shop(transactional_db):
    gift = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    coupons = make_campaign(name="Coupons")
    make_voucher(code="SAVE10", percent_off=10, campaign=coupons)
    make_voucher(code="WELCOME-DUP564", discount_type="AMOUNT", percent_off=None, amount_off=1_295, campaign=coupons)
    make_gift_card(code="CARD", amount=5_000, campaign=gift)
    make_gift_card(code="SPARE", amount=5_000, campaign=gift)
    tier = make_tier(name="Silver members 5%", percent_off=5)
    return {"gift": gift, "coupons": coupons, "tier": tier}


def test_a_failed_stack_reads_as_its_redemption_pages_say_it(live_server, page: Page, role_user, artifact_dir, shop):
    role_user("Admin")
    tier = shop["tier"]
    outcome = _redeem(
        {"object": "voucher", "id": "SAVE10"},
        {"object": "promotion_tier", "id": tier.pk},
        {"object": "voucher", "id": "CARD", "gift": {"credits": 9_000}},  # more than its €50.00
    )
    assert outcome.parent is not None
    attempts = {row.voucher_code or "tier": row for row in outcome.failed}
    base = live_server.url
    sign_in(page, base, "admin")

    # Each attempt's page: the parent gives the call's reason, the card its own, the others name the card.
    said = {
        outcome.parent.pk: f"Stacked redemption of 3 redeemables failed: {WHY}.",
        attempts["CARD"].pk: f"Redemption of voucher CARD failed: {WHY}.",
        attempts["SAVE10"].pk: "Voucher SAVE10 not redeemed: voucher CARD failed.",
        attempts["tier"].pk: "Promotion tier Silver members 5% not redeemed: voucher CARD failed.",
    }
    for pk, words in said.items():
        page.goto(f"{base}/redemptions/{pk}/")
        expect(page.get_by_role("region", name="Events").get_by_test_id("event-sentence")).to_have_text(words)
    events = page.get_by_role("region", name="Events")
    expect(events.get_by_test_id("event-sentence")).not_to_contain_text(tier.pk)  # its id on the copy button
    expect(events.get_by_role("button", name=f"Copy tier id {tier.pk}")).to_be_visible()
    page.screenshot(path=artifact_dir / "tier-attempt.png", full_page=True)

    # The Audit log's Events list says the same (the code's reason in words where the page has them).
    page.goto(f"{base}/audit-log/events/")
    sentences = page.locator("#event-table").get_by_test_id("event-sentence")
    expect(sentences.filter(has_text="SAVE10 not redeemed")).to_have_text(said[attempts["SAVE10"].pk])
    expect(sentences.filter(has_text="Silver members 5% not redeemed")).to_have_count(1)
    expect(sentences.filter(has_text="Stacked redemption of 3 redeemables failed:")).to_have_count(1)
    expect(page.locator("#event-table")).not_to_contain_text("Redemption of voucher failed")
    page.screenshot(path=artifact_dir / "audit-events.png", full_page=True)

    # A campaign's Activity tab: the tier's campaign reads the tier's attempt by its name.
    page.goto(f"{base}/campaigns/{tier.campaign_id}/activity/")
    expect(page.get_by_test_id("event-sentence").filter(has_text="not redeemed")).to_have_text(
        said[attempts["tier"].pk]
    )


def test_a_rollback_says_what_it_gave_back(live_server, page: Page, role_user, artifact_dir, shop):
    role_user("Admin")
    discount = _redeem({"object": "voucher", "id": "WELCOME-DUP564"}).redemptions[0]
    card = _redeem({"object": "voucher", "id": "SPARE", "gift": {"credits": 5_000}}).redemptions[0]
    for redemption in (discount, card):
        rollback_redemption(RollbackRequest(redemption.pk), caller=SHOP)
    base = live_server.url
    sign_in(page, base, "admin")

    page.goto(f"{base}/audit-log/events/")
    table = page.locator("#event-table")
    expect(table.get_by_test_id("event-sentence").filter(has_text=f"{card.pk} rolled back")).to_have_text(
        f"Redemption {card.pk} rolled back: {money(5_000)} returned to the gift card."
    )
    expect(table.get_by_test_id("event-sentence").filter(has_text=f"{discount.pk} rolled back")).to_have_text(
        f"Redemption {discount.pk} rolled back: its {money(1_295)} discount is cancelled."
    )
    expect(table).not_to_contain_text(f"-{money(5_000)}")
    expect(table).not_to_contain_text(f"{money(0)} returned")
    page.screenshot(path=artifact_dir / "rollbacks.png", full_page=True)

    page.goto(f"{base}/campaigns/{shop['gift'].pk}/activity/")
    expect(page.get_by_test_id("event-sentence").filter(has_text="rolled back")).to_have_text(
        f"Redemption {card.pk} rolled back: {money(5_000)} returned to the gift card."
    )
    page.goto(f"{base}/redemptions/{discount.pk}/")
    expect(page.get_by_role("region", name="Events")).to_contain_text(f"its {money(1_295)} discount is cancelled")


def test_a_validated_tier_reads_by_its_name_in_the_validations(live_server, page: Page, role_user, artifact_dir, shop):
    role_user("Admin")
    tier = shop["tier"]
    validate(
        stack(redeemables=[{"object": "promotion_tier", "id": tier.pk}, {"object": "voucher", "id": "SAVE10"}],
              order={"amount": 10_000}),
        caller=SHOP,
    )  # fmt: skip
    validation = Validation.objects.get()
    base = live_server.url
    sign_in(page, base, "admin")

    page.goto(f"{base}/redemptions/validations/")
    row = page.locator("#validation-table tbody tr").first
    shown = row.get_by_test_id("redeemable-tier")
    expect(shown).to_contain_text("Silver members 5%")
    expect(row).not_to_contain_text(tier.pk)
    expect(row.locator(f'[title="{tier.pk}"]')).to_have_count(1)  # the id in the title
    expect(shown.get_by_role("link", name="Silver members 5%")).to_have_attribute(
        "href", f"/campaigns/{tier.campaign_id}/tiers/#tier-{tier.pk}"
    )
    expect(row.locator("code", has_text="SAVE10")).to_be_visible()
    page.screenshot(path=artifact_dir / "validations.png", full_page=True)

    page.goto(f"{base}/redemptions/validations/{validation.pk}/")
    expect(page.get_by_test_id("redeemable-tier")).to_contain_text("Silver members 5%")
    expect(page.get_by_role("button", name=f"Copy tier id {tier.pk}")).to_be_visible()
    page.screenshot(path=artifact_dir / "validation.png", full_page=True)

    page.goto(f"{base}/audit-log/events/")
    expect(page.get_by_test_id("event-sentence").filter(has_text="Silver members 5% was validated")).to_have_text(
        "Promotion tier Silver members 5% was validated and is applicable."
    )
