"""Issue 14, the screenshot review's wording, in headless Chromium: a redemption's order says its status
under a label, the Export dialog names columns in words, the Exports list says what was exported, request
logs say their status with its phrase, and the simulator and validation events speak in sentences."""

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType, Voucher, VoucherType
from exports.models import Export, ExportStatus
from redemptions.models import Redemption, Rollback
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from tests.e2e.test_layout import sign_in
from tests.factories import api_call, make_campaign, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = [pytest.mark.e2e]
CALLER = Caller.system("e2e")


def test_an_admin_reads_order_status_columns_exports_and_request_statuses_in_words(
    live_server, page: Page, role_user, artifact_dir
):
    admin = role_user("Admin")
    campaign = make_campaign(name="Spring sale")
    make_voucher(code="SPRING10", campaign=campaign, percent_off=10)
    answer = api_call(
        "/v1/redemptions",
        {
            "redeemables": [{"object": "voucher", "id": "SPRING10"}],
            "order": {"amount": 20_000, "status": "PAID"},
            "metadata": {"note": "window", "basket": {"size": 2}},
        },
    )
    api_call("/v1/validations", {"redeemables": [{"object": "voucher", "id": "NO-SUCH"}]}, status=200)
    api_call("/v1/redemptions", {"redeemables": []}, status=400)
    Export.objects.create(
        user=admin, exported_object="redemption", parameters={}, status=ExportStatus.DONE, rows=12_500
    )
    redemption = Redemption.objects.get(pk=answer["redemptions"][0]["id"])
    base = live_server.url
    sign_in(page, base, "admin")

    # The order's status is labelled, on its own line.
    page.goto(f"{base}/redemptions/{redemption.pk}/")
    summary = page.get_by_role("region", name="Order summary")
    expect(summary.locator("dt", has_text="Order status")).to_be_visible()
    status = summary.get_by_test_id("order-status")
    expect(status).to_have_text("Paid")
    box = status.bounding_box()
    assert box and box["height"] < 30, box  # one line
    # Its metadata is a Key / Value table, as on a campaign's Metadata tab, not a JSON document.
    metadata = page.get_by_role("region", name="Metadata").locator("#redemption-metadata")
    expect(metadata.locator("thead th")).to_have_text(["Key", "Value"])
    expect(metadata.locator('tr[data-key="note"] td')).to_have_text("window")
    expect(metadata.locator('tr[data-key="basket"] td')).to_contain_text('"size": 2')
    page.screenshot(path=artifact_dir / "redemption.png", full_page=True)

    # The Export dialog: words for people, the file's keys only in the note about money.
    page.goto(f"{base}/redemptions/")
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.get_by_label("Order amount", exact=True)).to_be_visible()
    expect(dialog.get_by_label("Metadata: note", exact=True)).to_be_visible()
    expect(dialog).not_to_contain_text("(minor units)")
    expect(dialog).not_to_contain_text("metadata.note")
    expect(dialog.get_by_test_id("export-file-note")).to_contain_text("headers ending in _minor")
    page.screenshot(path=artifact_dir / "dialog.png", full_page=True)

    # The Exports list says what was exported as the dialog does.
    page.goto(f"{base}/audit-log/exports/")
    expect(page.get_by_test_id("export-object").first).to_have_text("Redemptions")
    expect(page.locator("#export-table")).to_contain_text("12,500")  # the rows, counted as every list counts

    # Request logs: the number first, then its phrase.
    page.goto(f"{base}/audit-log/")
    table = page.locator("table")
    expect(table.get_by_text("200 OK", exact=True).first).to_be_visible()
    expect(table.get_by_text("400 Bad Request", exact=True).first).to_be_visible()
    page.screenshot(path=artifact_dir / "logs.png", full_page=True)
    table.get_by_text("400 Bad Request", exact=True).first.locator("xpath=ancestor::tr").get_by_role(
        "link"
    ).first.click()
    expect(page.get_by_test_id("log-status")).to_have_text("400 Bad Request")


def test_a_marketer_reads_how_long_validations_are_kept_in_plain_words(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    campaign = make_campaign(name="Spring sale")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{campaign.pk}/")
    expect(page.get_by_text("Validations (kept for 30 days)", exact=True)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("30 days kept")


def test_a_marketer_reads_big_numbers_with_separators_and_a_chart_axis_on_round_numbers(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    campaign = make_campaign(name="Big batch")
    Voucher.objects.bulk_create(
        Voucher(code=f"BIG-{n}", campaign=campaign, type=VoucherType.DISCOUNT_VOUCHER, percent_off=10)
        for n in range(1_234)
    )
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{campaign.pk}/?days=30")
    expect(page.locator('dd[data-figure="vouchers"]')).to_have_text("1,234")
    # 1,234 vouchers made today: the axis tops at 2,000 with 1,000 in the middle.
    chart = page.locator('[data-chart="chart-vouchers"]')
    expect(chart.locator("[data-grid] text")).to_have_text(["0", "1,000", "2,000"])
    page.screenshot(path=artifact_dir / "campaign.png", full_page=True)


def _cell_font(page: Page, table: str) -> str:
    return page.locator(f"{table} tbody td").first.evaluate("el => getComputedStyle(el).fontSize")


def test_the_sessions_table_reads_in_the_same_type_as_the_other_lists(live_server, page: Page, role_user):
    role_user("Admin")
    make_voucher(code="HOLD-1", percent_off=10)
    make_voucher(code="USE-1", percent_off=10)
    api_call(
        "/v1/validations",
        {
            "redeemables": [{"object": "voucher", "id": "HOLD-1"}],
            "order": {"amount": 5_000},
            "session": {"type": "LOCK", "key": "ssn_font", "ttl": 7, "ttl_unit": "DAYS"},
        },
    )
    api_call("/v1/redemptions", {"redeemables": [{"object": "voucher", "id": "USE-1"}], "order": {"amount": 5_000}})
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/redemptions/")
    redemptions = _cell_font(page, "#redemptions-table table")
    page.goto(f"{base}/redemptions/sessions/")
    expect(page.locator("#sessions-table-el tbody tr")).to_have_count(1)
    assert _cell_font(page, "#sessions-table-el") == redemptions


def test_who_cannot_create_a_category_is_not_told_to(live_server, page: Page, role_user):
    role_user("Marketer")
    role_user("Admin")
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/redemptions/stacking-rules/")
    panel = page.locator("#categories-panel")
    expect(panel).to_contain_text("No categories yet. An administrator can create them and assign them to campaigns.")
    expect(panel).not_to_contain_text("create one")
    expect(panel.get_by_role("link", name="New category")).to_have_count(0)
    page.context.clear_cookies()
    sign_in(page, base, "admin")
    page.goto(f"{base}/redemptions/stacking-rules/")
    expect(panel).to_contain_text("No categories yet — create one with New category, then assign it to campaigns.")
    expect(panel.get_by_role("link", name="New category")).to_be_visible()


def test_a_marketer_follows_rollback_and_object_ids_to_their_pages(live_server, page: Page, role_user):
    role_user("Marketer")
    gift = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_gift_card(code="GIFT-1", amount=5_000, campaign=gift)
    outcome = redeem(
        stack(redeemables=[{"object": "voucher", "id": "GIFT-1", "gift": {"credits": 1_500}}], order={"amount": 1_500}),
        caller=CALLER,
    )
    redemption = outcome.redemptions[0]
    rollback = rollback_redemption(RollbackRequest(redemption.pk), caller=CALLER)
    rollback_id = Rollback.objects.get(redemption=redemption).pk
    assert rollback is not None
    base = live_server.url
    sign_in(page, base, "marketer")

    # The Transactions tab: the rollback's id opens its redemption's page at the rollback's line.
    page.goto(f"{base}/campaigns/{gift.pk}/transactions/")
    table = page.locator("#transactions-table-el")
    expect(table.get_by_role("link", name=redemption.pk)).to_have_count(1)
    table.get_by_role("link", name=rollback_id).click()
    expect(page).to_have_url(f"{base}/redemptions/{redemption.pk}/#{rollback_id}")
    expect(page.locator(f'li[id="{rollback_id}"]')).to_be_visible()

    # The Activity tab: an event's object is a link to its page when it has one.
    page.goto(f"{base}/campaigns/{gift.pk}/activity/")
    events = page.locator("#events-table-el")
    expect(events.get_by_role("link", name=redemption.pk).first).to_be_visible()
    events.get_by_role("link", name=redemption.pk).first.click()
    expect(page).to_have_url(f"{base}/redemptions/{redemption.pk}/")
