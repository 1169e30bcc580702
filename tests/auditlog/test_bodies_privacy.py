"""Request and response bodies as the Audit log shows them: a person's name, e-mail, phone, address, birth
date and source id reach only roles that may see customers, wherever they sit in a body (a customer
object, an order's metadata, an error naming the customer, a body that is not JSON at all)."""

import json
import re

import pytest
from django.test import Client

from auditlog.models import RequestLog
from tests.factories import make_campaign, make_voucher
from voucherhub.services import create_api_key

pytestmark = pytest.mark.django_db

PERSONAL = ["Jane Roe", "jane@example.com", "+48 111 222", "Main St 1", "jane-1", "1990-05-17"]
JANE = {
    "source_id": "jane-1",
    "name": "Jane Roe",
    "email": "jane@example.com",
    "phone": "+48 111 222",
    "address": {"line_1": "Main St 1"},
    "birthdate": "1990-05-17",
}
SUMMER = [{"object": "voucher", "id": "SUMMER"}]
CALLS = [
    ("post", "/v1/customers", JANE),
    ("put", "/v1/customers/jane-1", {"name": "Jane Roe", "email": "jane@example.com"}),
    ("post", "/v1/validations", {"redeemables": SUMMER, "customer": JANE, "order": {"amount": 1000, "customer": JANE}}),
    ("post", "/v1/redemptions", {"redeemables": SUMMER, "customer": JANE, "order": {"amount": 1000}}),
    ("post", "/v1/redemptions", '{"redeemables": [], "customer": {"name": "Jane Roe", "email": "jane@example.com"'),
    ("get", "/v1/customers/jane-1", None),
    ("post", "/v1/validations", {"redeemables": SUMMER, "customer": {"id": "jane-1"}}),  # 404 naming her
    ("post", "/v1/validations", {"redeemables": SUMMER, "customer": "jane-1"}),
    ("post", "/v1/validations", {"redeemables": SUMMER, "metadata": {"buyer": "write to jane@example.com"}}),
]


@pytest.fixture
def calls():
    make_voucher(code="SUMMER", campaign=make_campaign(name="Summer"))
    key, token = create_api_key(name="Shop")
    shop = Client()
    for method, path, body in CALLS:
        data = body if isinstance(body, str) or body is None else json.dumps(body)
        kwargs = {"data": data, "content_type": "application/json"} if data else {}
        getattr(shop, method)(path, headers={"X-App-Id": key.app_id, "X-App-Token": token}, **kwargs)
    return list(RequestLog.objects.order_by("created_at"))


def _everything_shown(client: Client, logs) -> str:
    pages = ["/audit-log/", "/audit-log/events/", "/redemptions/", "/redemptions/validations/"]
    pages += [f"/audit-log/logs/{log.pk}/" for log in logs]
    html = ""
    for page in pages:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(page, headers=headers)
            assert response.status_code in (200, 403), page
            html += response.content.decode()
    return html


@pytest.mark.parametrize("role", ["Marketer", "Staff"])
def test_no_personal_data_in_any_body_a_role_without_customers_sees(calls, role_user, role):
    client = Client()
    client.force_login(role_user(role))
    html = _everything_shown(client, calls)
    for personal in PERSONAL:
        assert personal not in html, (personal, html[max(0, html.find(personal) - 200) : html.find(personal) + 50])


def test_a_body_that_is_not_json_shows_its_size_only(calls, role_user):
    client = Client()
    client.force_login(role_user("Marketer"))
    broken = next(log for log in calls if isinstance(log.request_body, str))
    html = client.get(f"/audit-log/logs/{broken.pk}/").content.decode()
    assert re.search(r"\[hidden\] \(\d+ characters that are not JSON\)", html)


def test_an_admin_sees_the_bodies_whole(calls, role_user):
    client = Client()
    client.force_login(role_user("Admin"))
    html = _everything_shown(client, calls)
    for personal in PERSONAL:
        assert personal in html, personal
