"""Issue 14: the gift-card Transactions tab's Export writes the rows the tab shows and lists every filter,
in headless Chromium with a real Celery worker."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignType, VoucherTransaction
from exports.models import Export, ExportStatus
from tests.e2e.test_layout import sign_in
from tests.exports.factories import read_csv
from tests.factories import make_campaign, make_gift_card

pytestmark = [pytest.mark.e2e]


def _balance_changes():
    """Two cards of "Gift cards" (created, redeemed, rolled back) and a card of another campaign."""
    cards = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    other = make_campaign(name="Other cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    made = []
    for code, campaign, rollbacks in (("CARD-1", cards, 2), ("CARD-2", cards, 1), ("ELSEWHERE", other, 1)):
        card = make_gift_card(code=code, campaign=campaign, amount=5_000)
        change = VoucherTransaction.objects.create
        made.append(change(voucher=card, source="CREATION", amount=5_000, balance_after=5_000))
        for n in range(rollbacks):
            made.append(change(voucher=card, source="REDEMPTION", amount=-1_000, balance_after=4_000,
                               related_object_id=f"r_{code}-{n}"))  # fmt: skip
            made.append(change(voucher=card, source="ROLLBACK", amount=1_000, balance_after=5_000,
                               related_object_id=f"rr_{code}-{n}", reason="=cmd|' /C calc'!A0"))  # fmt: skip
    return cards, made


def test_the_transactions_export_writes_the_rows_the_filtered_tab_shows_and_lists_its_filters(
    live_server, live_worker, page: Page, role_user, artifact_dir
):
    marketer = role_user("Marketer")
    cards, _ = _balance_changes()
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/campaigns/{cards.pk}/transactions/?source=ROLLBACK")  # a bookmarked filter
    table = page.locator("#transaction-table")
    expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"\b3 balance changes\b"))
    page.get_by_role("search").get_by_label("Voucher code").fill("CARD-1")
    page.get_by_role("search").get_by_label("Voucher code").press("Enter")
    expect(table.get_by_test_id("row-count")).to_have_text(re.compile(r"\b2 balance changes\b"))
    listed = sorted(table.locator("tbody tr td:nth-child(6)").all_inner_texts())
    assert listed == ["rr_CARD-1-0", "rr_CARD-1-1"]

    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    described = dialog.get_by_test_id("export-filters")
    expect(described).to_contain_text("Campaign: Gift cards")
    expect(described).to_contain_text("Voucher code: CARD-1")
    expect(described).to_contain_text("Change: Redemption rollback")
    dialog.get_by_label("Reason", exact=True).check()
    page.screenshot(path=artifact_dir / "dialog.png", full_page=True)
    dialog.get_by_role("button", name="Export", exact=True).click()
    expect(dialog.get_by_test_id("export-status")).to_have_text("Done", timeout=30_000)
    dialog.get_by_role("button", name="Close").click()

    expect(page.get_by_test_id("unread-count")).to_have_text(re.compile(r"^1\b"), timeout=20_000)
    page.get_by_role("button", name="Notifications").click()
    notification = page.get_by_test_id("notification").first
    expect(notification).to_contain_text("ready: 2 rows")
    with page.expect_download() as download:
        notification.click()
    table_rows = read_csv(Path(download.value.path()).read_bytes())

    header, rows = table_rows[0], table_rows[1:]
    assert [
        row[header.index("source_id")] for row in sorted(rows, key=lambda r: r[header.index("source_id")])
    ] == listed
    assert {row[header.index("reason")] for row in rows} == {"'=cmd|' /C calc'!A0"}  # no formula cell
    assert {row[header.index("campaign_id")] for row in rows} == {cards.pk}
    export = Export.objects.get()
    assert export.user == marketer and export.status == ExportStatus.DONE
    assert export.parameters["filters"] == {"campaign": cards.pk, "voucher": "CARD-1", "source": "ROLLBACK"}
