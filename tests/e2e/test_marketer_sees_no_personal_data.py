"""Issue 14: a marketer (no ``redemptions.view_customer``) sees no customer identifier and no IP address, in
headless Chromium: not on a session's page, a validation's page or a request log; the Stacking Rules
simulator asks them for no customer. An admin sees all of it."""

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import Customer
from redemptions.models import Validation
from tests.e2e.test_layout import sign_in
from tests.factories import api_call, make_voucher

pytestmark = [pytest.mark.e2e]

EMAIL = "lena.private@example.com"
NAME = "Lena Private"
IP = "203.0.113.77"


def _validate_and_lock_through_the_api() -> Validation:
    make_voucher(code="LOCKME", percent_off=10)
    payload = {
        "redeemables": [{"object": "voucher", "id": "LOCKME"}],
        "order": {"amount": 10_000},
        "customer": {"source_id": EMAIL, "name": NAME, "email": EMAIL},
        "session": {"type": "LOCK", "key": "ssn_private"},
    }
    api_call("/v1/validations", payload, ip=IP)
    return Validation.objects.get()


def test_a_marketer_sees_no_customer_id_or_ip_address_and_an_admin_sees_them(
    live_server, page: Page, browser, role_user, artifact_dir
):
    role_user("Marketer")
    role_user("Admin")
    validation = _validate_and_lock_through_the_api()
    customer_id = Customer.objects.get(source_id=EMAIL).pk
    assert customer_id.startswith("cust_")
    base = live_server.url
    pages = {
        "session": f"{base}/redemptions/sessions/ssn_private/",
        "validation": f"{base}/redemptions/validations/{validation.pk}/",
        "log": f"{base}/audit-log/logs/{validation.request_log_id}/",
    }

    sign_in(page, base, "marketer")
    for name, url in pages.items():
        page.goto(url)
        body = page.locator("body")
        for secret in (customer_id, EMAIL, NAME, IP):
            expect(body).not_to_contain_text(secret)
        page.screenshot(path=artifact_dir / f"marketer-{name}.png", full_page=True)
        if name != "log":
            expect(page.get_by_test_id("customer-hidden")).to_have_text("Hidden")
    expect(page.get_by_test_id("log-ip")).to_have_text("Hidden")
    page.goto(f"{base}/redemptions/stacking-rules/")
    simulator = page.locator("#simulator-panel")
    expect(simulator.get_by_label("Order amount")).to_be_visible()
    expect(simulator.get_by_label("Customer source id")).to_have_count(0)

    admin = browser.new_context().new_page()
    sign_in(admin, base, "admin")
    admin.goto(pages["session"])
    expect(admin.locator("body")).to_contain_text(NAME)
    admin.goto(pages["log"])
    expect(admin.get_by_test_id("log-ip")).to_have_text(IP)
    expect(admin.get_by_test_id("log-response-body")).to_contain_text(customer_id)
    admin.screenshot(path=artifact_dir / "admin-log.png", full_page=True)
    admin.goto(f"{base}/redemptions/stacking-rules/")
    expect(admin.locator("#simulator-panel").get_by_label("Customer source id")).to_be_visible()
    admin.context.close()
