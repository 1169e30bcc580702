"""Issue 14, the Audit log words a failure and a promotion tier as every other page does: the Events list and
a request log's page give the reason's sentence ("The gift card's balance does not cover the credits asked
for."), never the code in words ("gift amount exceeded"); an event stored before tier names were recorded
names its tier by its name, read for the page, its id on the copy button."""

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import Event, RequestLog
from campaigns.models import CampaignType
from redemptions.services.redemption import redeem
from stacking.reasons import SENTENCES
from tests.e2e.test_layout import sign_in
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller
from voucherhub.ids import new_request_id

pytestmark = [pytest.mark.e2e]

BALANCE = SENTENCES["gift_amount_exceeded"]
WHY = BALANCE[:1].lower() + BALANCE[1:].rstrip(".")


def test_the_audit_log_gives_a_failures_sentence_and_an_old_events_tier_by_its_name(
    live_server, page: Page, role_user, artifact_dir, transactional_db
):
    role_user("Admin")
    make_voucher(code="SAVE10", percent_off=10, campaign=make_campaign(name="Coupons"))
    make_gift_card(
        code="CARD", amount=5_000, campaign=make_campaign(name="Gift", campaign_type=CampaignType.GIFT_VOUCHERS)
    )
    tier = make_tier(name="Silver members 5%", percent_off=5)
    outcome = redeem(
        stack(
            redeemables=[
                {"object": "promotion_tier", "id": tier.pk},
                {"object": "voucher", "id": "CARD", "gift": {"credits": 9_000}},  # more than its €50.00
            ],
            order={"amount": 10_000},
        ),
        caller=Caller.system("shop"),
    )
    assert outcome.parent is not None
    # The call's request log, and the tier's event as one stored before tier names were recorded.
    log = RequestLog.objects.create(id=new_request_id(), method="POST", path="/v1/redemptions", response_status=400)
    ids = [outcome.parent.pk, *(row.pk for row in outcome.failed)]
    assert Event.objects.filter(resource_id__in=ids).update(request_log=log) >= 3
    old = Event.objects.get(resource_id__in=ids, data__object="promotion_tier")
    old.data = {key: value for key, value in old.data.items() if key != "name"}
    old.save(update_fields=["data"])

    said = [
        f"Stacked redemption of 2 redeemables failed: {WHY}.",
        f"Redemption of voucher CARD failed: {WHY}.",
        "Promotion tier Silver members 5% not redeemed: voucher CARD failed.",
    ]
    sign_in(page, live_server.url, "admin")
    for path, where in (("/audit-log/events/", "#event-table"), (f"/audit-log/logs/{log.pk}/", "main")):
        page.goto(live_server.url + path)
        sentences = page.locator(where).get_by_test_id("event-sentence")
        for words in said:
            expect(sentences.filter(has_text=words[:30])).to_have_text(words)
        expect(page.locator(where)).not_to_contain_text("gift amount exceeded")
        expect(sentences.filter(has_text="Silver members 5%")).not_to_contain_text(tier.pk)
        expect(page.locator(where).get_by_role("button", name=f"Copy tier id {tier.pk}")).to_be_visible()
        page.screenshot(path=artifact_dir / f"{'events' if 'events' in path else 'log'}.png", full_page=True)
