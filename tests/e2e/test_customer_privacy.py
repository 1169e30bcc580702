"""Issue 14: customer personal data stays with those who may see customers (redemptions.view_customer), in
headless Chromium: the tracking id on a redemption's page, the Export dialog's columns, request-log bodies."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from exports.models import Export
from redemptions.models import Redemption
from tests.e2e.test_layout import sign_in
from tests.exports.factories import read_csv
from tests.factories import api_call, make_voucher
from tests.redemptions.factories import make_redemption

pytestmark = [pytest.mark.e2e]

EMAIL = "testcustomeremail@voucherify.io"
NAME = "Tess Customer"


def _redeem_through_the_api() -> Redemption:
    make_voucher(code="TEN", percent_off=10)
    payload = {
        "redeemables": [{"object": "voucher", "id": "TEN"}],
        "order": {"amount": 10_000},
        "customer": {"source_id": EMAIL, "name": NAME, "email": EMAIL},
    }
    answer = api_call("/v1/redemptions", payload)
    return Redemption.objects.get(pk=answer["redemptions"][0]["id"])


def test_staff_sees_an_opaque_tracking_id_and_no_customer_data_on_the_page_or_in_the_export_dialog(
    live_server, page: Page, role_user, artifact_dir
):
    role_user("Staff")
    redemption = _redeem_through_the_api()
    legacy = make_redemption(voucher_code="OLD-1", tracking_id=EMAIL)  # stored before tracking ids were opaque
    base = live_server.url
    sign_in(page, base, "staff")

    page.goto(f"{base}/redemptions/{redemption.pk}/")
    tracking = page.get_by_test_id("redemption-tracking-id")
    expect(tracking).to_have_text(redemption.tracking_id)
    assert redemption.tracking_id.startswith("track_")
    expect(page.locator("body")).not_to_contain_text(EMAIL)
    expect(page.locator("body")).not_to_contain_text(NAME)
    expect(page.get_by_test_id("event-sentence").first).to_contain_text("Voucher TEN redeemed")
    expect(page.get_by_test_id("technical-details")).to_have_count(0)  # the raw events are for admins
    expect(page.locator("body")).not_to_contain_text(EMAIL)
    page.screenshot(path=artifact_dir / "detail.png", full_page=True)

    page.goto(f"{base}/redemptions/{legacy.pk}/")
    expect(page.get_by_test_id("redemption-tracking-id")).to_have_text("Hidden: it may identify the customer")
    expect(page.locator("body")).not_to_contain_text(EMAIL)

    page.goto(f"{base}/redemptions/")
    expect(page.locator("#redemptions-table")).not_to_contain_text(EMAIL)
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.get_by_label("Voucher code", exact=True)).to_be_visible()
    for column in CUSTOMER_COLUMNS:
        expect(dialog.get_by_label(column, exact=True)).to_have_count(0)


CUSTOMER_COLUMNS = ("Customer ID", "Customer source ID", "Customer name", "Tracking ID")


def test_a_marketer_is_offered_no_customer_column_and_their_csv_has_none(
    live_server, live_worker, page: Page, role_user, artifact_dir
):
    role_user("Marketer")
    _redeem_through_the_api()
    base = live_server.url
    sign_in(page, base, "marketer")
    page.goto(f"{base}/redemptions/")
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    expect(dialog.get_by_label("Voucher code", exact=True)).to_be_checked()
    for column in CUSTOMER_COLUMNS:
        expect(dialog.get_by_label(column, exact=True)).to_have_count(0)
    page.screenshot(path=artifact_dir / "marketer-dialog.png", full_page=True)
    dialog.get_by_role("button", name="Export", exact=True).click()
    expect(dialog.get_by_test_id("export-status")).to_have_text("Done", timeout=30_000)
    with page.expect_download() as download:
        dialog.get_by_role("link", name="Download the CSV").click()

    table = read_csv(Path(download.value.path()).read_bytes())
    assert sorted(table[0]) == ["date", "id", "object", "promotion_tier", "result", "voucher_code"]
    customer_id = Redemption.objects.get().customer_id
    assert customer_id and not any(customer_id in row or EMAIL in row for row in table)

    page.goto(f"{base}/audit-log/exports/")  # the export's fields, as the Exports tab lists them
    expect(page.locator("#export-table")).to_contain_text("voucher_code")
    expect(page.locator("#export-table")).not_to_contain_text("customer_id")


def test_staff_asking_for_a_customer_column_by_hand_gets_a_form_error_and_no_export(live_server, page: Page, role_user):
    role_user("Staff")
    _redeem_through_the_api()
    base = live_server.url
    sign_in(page, base, "staff")
    page.goto(f"{base}/redemptions/")
    page.get_by_role("button", name="Export…").click()
    form = page.locator("#export-form")
    expect(form.get_by_label("Voucher code", exact=True)).to_be_visible()
    # The person edits the form in the browser's developer tools: one more column, the customer's id.
    form.evaluate(
        """form => form.insertAdjacentHTML("afterbegin",
             '<input type="checkbox" name="fields" value="customer_id" checked hidden>')"""
    )
    page.locator("#export-dialog").get_by_role("button", name="Export", exact=True).click()

    expect(page.locator("#export-form").get_by_role("alert")).to_have_text(
        "The column customer_id is not one you may export."
    )
    expect(page.get_by_test_id("export-progress")).to_have_count(0)
    assert not Export.objects.exists()


def test_a_marketer_reads_request_logs_without_customer_data_and_an_admin_with_it(
    live_server, page: Page, browser, role_user, artifact_dir
):
    role_user("Marketer")
    role_user("Admin")
    redemption = _redeem_through_the_api()
    base = live_server.url
    log_url = f"{base}/audit-log/logs/{redemption.request_log_id}/"

    sign_in(page, base, "marketer")
    page.goto(log_url)
    request_body = page.get_by_test_id("log-request-body")
    expect(request_body).to_contain_text('"email": "[hidden]"')
    expect(request_body).to_contain_text('"name": "[hidden]"')
    expect(request_body).to_contain_text('"source_id": "[hidden]"')
    expect(page.get_by_test_id("log-response-body")).to_contain_text(redemption.tracking_id)
    for text in (EMAIL, NAME):
        expect(page.locator("body")).not_to_contain_text(text)
    page.screenshot(path=artifact_dir / "marketer-log.png", full_page=True)

    admin = browser.new_context().new_page()
    sign_in(admin, base, "admin")
    admin.goto(log_url)
    expect(admin.get_by_test_id("log-request-body")).to_contain_text(f'"email": "{EMAIL}"')
    expect(admin.get_by_test_id("log-response-body")).to_contain_text(NAME)
    admin.context.close()
