"""Issue 14, the Redemptions list at 1440 px: a stack's redemptions sit indented under their parent and say
"↳ part of a stack" (or, with the parent on another page, link it); ids are cut in their middle so that their
different ends stay visible; a failure's sentence takes a few lines, not six."""

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType
from tests.e2e.test_layout import sign_in
from tests.e2e.test_stacked_outcomes import _redeem
from tests.factories import make_campaign, make_gift_card, make_voucher

pytestmark = [pytest.mark.e2e]

LINES = "el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))"


def test_a_stacks_redemptions_sit_under_their_parent_with_ids_that_differ_at_their_end(
    live_server, page: Page, role_user, artifact_dir, transactional_db
):
    role_user("Admin")
    make_voucher(code="SAVE10", percent_off=10, campaign=make_campaign(name="Coupons"))
    make_gift_card(
        code="CARD", amount=5_000, campaign=make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    )
    outcome = _redeem(
        {"object": "voucher", "id": "SAVE10"}, {"object": "voucher", "id": "CARD", "gift": {"credits": 9_000}}
    )
    parent, children = outcome.parent, outcome.failed
    assert parent is not None and len(children) == 2
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "admin")
    page.goto(live_server.url + "/redemptions/")
    rows = page.locator("#redemptions-table tbody tr")
    ids = [rows.nth(i).get_attribute("id") for i in range(3)]
    assert ids[0] == f"row-{parent.pk}" and sorted(ids[1:]) == sorted(f"row-{c.pk}" for c in children)
    for child in children:
        row = page.locator(f"#row-{child.pk}")
        expect(row).to_have_attribute("data-stack-parent", parent.pk)
        expect(row.get_by_test_id("stack-child")).to_have_text("↳ part of a stack")
        # The id's end shows after the ellipsis; its whole is in the title, the link's name and the button.
        link = row.get_by_role("link", name=child.pk)
        expect(link).to_have_attribute("title", child.pk)
        tail = link.locator(".vh-id-tail")
        expect(tail).to_have_text(child.pk[-4:])
        expect(tail).to_be_visible()
        box, cell = tail.bounding_box(), link.bounding_box()
        assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 1
        assert link.evaluate("el => el.innerText") == child.pk
        expect(row.get_by_role("button", name=f"Copy id {child.pk}")).to_be_visible()
    failure = page.locator(f"#row-{children[1].pk} td.vh-col-failure, #row-{children[0].pk} td.vh-col-failure")
    for cell in failure.all():
        for line in cell.locator(":scope > *, :scope > span").all():
            assert line.evaluate(LINES) <= 4
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifact_dir / "stack-1440.png")

    # Filtered to one code, the parent is not in the list: the stack's redemption links it.
    page.goto(live_server.url + "/redemptions/?voucher_code=SAVE10")
    save10 = next(child for child in children if child.voucher_code == "SAVE10")
    note = page.locator(f"#row-{save10.pk}").get_by_test_id("stack-parent-link")
    expect(note).to_contain_text("part of stack")
    expect(note.locator(".vh-id-tail")).to_have_text(parent.pk[-4:])
    page.screenshot(path=artifact_dir / "stack-filtered.png")
    note.get_by_role("link", name=parent.pk).click()
    expect(page).to_have_url(f"{live_server.url}/redemptions/{parent.pk}/")
