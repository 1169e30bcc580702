"""Settings > API keys in headless Chromium, as an Admin: create a key and copy its token (shown this
once), reload (gone), call the API with it, revoke it (confirmed), and the call is refused."""

import json
import urllib.request
from urllib.error import HTTPError

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import sign_in

pytestmark = [pytest.mark.e2e]


def _call(base: str, app_id: str, token: str) -> int:
    request = urllib.request.Request(f"{base}/v1/campaigns", headers={"X-App-Id": app_id, "X-App-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.load(answer)
            return answer.status
    except HTTPError as refused:
        return refused.code


def test_an_admin_creates_uses_and_revokes_a_key(live_server, page: Page, role_user, artifact_dir):
    role_user("Admin")
    base = live_server.url
    sign_in(page, base, "admin")
    page.get_by_role("button", name="admin").click()
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="API keys").click()
    expect(page).to_have_url(f"{base}/settings/api-keys/")
    expect(page.get_by_text("No API keys yet.")).to_be_visible()

    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Name").fill("Web shop")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("API key Web shop created")).to_be_visible()
    app_id = page.get_by_test_id("new-key-app-id").inner_text()
    token = page.get_by_test_id("new-key-token").inner_text()
    page.screenshot(path=artifact_dir / "created.png", full_page=True)
    assert _call(base, app_id, token) == 200

    page.goto(f"{base}/settings/api-keys/")
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    assert token not in page.content()
    row = page.get_by_test_id("api-key-row").filter(has_text="Web shop")
    expect(row.get_by_text("Active")).to_be_visible()
    expect(row.get_by_text("Never")).to_have_count(0)  # the call above was its last use

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("API key Web shop revoked: calls made with it are refused from now on.")).to_be_visible()
    expect(row.get_by_text("Revoked")).to_be_visible()
    page.screenshot(path=artifact_dir / "revoked.png", full_page=True)
    assert _call(base, app_id, token) == 401
