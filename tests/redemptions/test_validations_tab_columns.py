"""The Validations tab shows which codes and campaigns each validation checked, and a validation's page links
to its request log for the roles that may read it."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from campaigns.models import CampaignType
from redemptions.models import Validation
from tests.factories import make_campaign, make_gift_card, make_voucher
from tests.redemptions.factories import body, voucher
from tests.redemptions.test_dashboard_validations_sessions import validate
from voucherhub.services import create_api_key

pytestmark = pytest.mark.django_db


def test_the_validations_tab_shows_the_codes_and_campaigns_checked(client, role_user):
    spring = make_campaign(name="Spring sale")
    cards = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_voucher(code="SPRING10", campaign=spring)
    make_gift_card(code="CARD-1", campaign=cards)
    validate("SPRING10", "CARD-1", "NO-SUCH")
    client.force_login(role_user("Marketer"))
    html = unescape(client.get("/redemptions/validations/").content.decode())
    headers = [h.strip() for h in re.findall(r"<th[^>]*>\s*(?:<a[^>]*>)?([^<]+)", html)]
    assert "Codes" in headers and "Campaigns" in headers
    row = re.search(r"<tbody.*?</tbody>", html, re.S).group(0)
    codes = ("SPRING10", "CARD-1", "NO-SUCH")
    assert ", ".join(f'<code class="text-nowrap">{code}</code>' for code in codes) in row
    assert "Spring sale, Gift cards" in row


def test_a_validation_links_to_its_request_log_for_roles_that_may_read_it(client, role_user):
    make_voucher(code="LOGGED")
    _, token = key = create_api_key(name="Shop")
    api = Client()
    response = api.post(
        "/v1/validations",
        body(voucher("LOGGED"), amount=5_000),
        content_type="application/json",
        headers={"X-App-Id": key[0].app_id, "X-App-Token": token},
    )
    assert response.status_code == 200, response.content
    checked = Validation.objects.get()
    assert checked.request_log_id

    client.force_login(role_user("Marketer"))
    html = client.get(f"/redemptions/validations/{checked.pk}/").content.decode()
    assert f'href="/audit-log/logs/{checked.request_log_id}/"' in html
    assert client.get(f"/audit-log/logs/{checked.request_log_id}/").status_code == 200

    reader = role_user(None)
    reader.user_permissions.add(Permission.objects.get(codename="view_validation"))
    client.force_login(reader)
    html = client.get(f"/redemptions/validations/{checked.pk}/").content.decode()
    assert checked.request_log_id in html  # the id, as text: no link to a page they may not open
    assert f'href="/audit-log/logs/{checked.request_log_id}/"' not in html
