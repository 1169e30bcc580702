"""Settings > API keys: Admins create keys (the token shown once), see when each was last used and revoke
them, each change in the audit trail; nobody else reaches the page."""

import re

import pytest
from django.test import Client

from auditlog.models import Event
from voucherhub.models import ApiKey

pytestmark = pytest.mark.django_db

URL = "/settings/api-keys/"


@pytest.fixture
def admin(client, role_user):
    client.force_login(role_user("Admin"))
    return client


def _created(response) -> tuple[str, str]:
    html = response.content.decode()
    app_id = re.search(r'data-testid="new-key-app-id">([^<]+)<', html).group(1)
    token = re.search(r'data-testid="new-key-token">([^<]+)<', html).group(1)
    return app_id, token


def _call(app_id: str, token: str):
    return Client().get("/v1/campaigns", headers={"X-App-Id": app_id, "X-App-Token": token})


def test_an_admin_creates_a_key_sees_its_token_once_and_it_works(admin):
    page = admin.get(URL).content.decode()
    assert "No API keys yet." in page and "New API key" in page
    response = admin.post(URL, {"name": "Web shop"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "API key Web shop created" in html and "shown this once" in html
    app_id, token = _created(response)
    key = ApiKey.objects.get()
    assert (key.name, key.app_id, key.token_hint) == ("Web shop", app_id, token[-4:])
    assert key.token_matches(token) and token not in (key.token_hash, key.app_id)

    again = admin.get(URL).content.decode()
    assert token not in again and "Web shop" in again and f"…{token[-4:]}" in again
    assert "Never" in again  # not used yet

    assert _call(app_id, token).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert "Never" not in admin.get(URL).content.decode()

    event = Event.objects.get(type="api_key.created")
    assert (event.resource_id, event.user.username) == (key.pk, "admin")
    assert event.data == {"name": "Web shop", "app_id": app_id, "ends_with": token[-4:], "can_manage": False}
    assert token not in str(Event.objects.values_list("data", flat=True))


def test_revoking_a_key_refuses_its_calls_at_once_and_is_audited(admin):
    app_id, token = _created(admin.post(URL, {"name": "Kiosk"}))
    assert _call(app_id, token).status_code == 200
    key = ApiKey.objects.get()
    response = admin.post(f"{URL}{key.pk}/revoke/", follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "API key Kiosk revoked: calls made with it are refused from now on." in response.content.decode()
    refused = _call(app_id, token)
    assert refused.status_code == 401 and refused.json()["key"] == "unauthorized"
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Event.objects.get(type="api_key.revoked").resource_id == key.pk
    again = admin.post(f"{URL}{key.pk}/revoke/")
    assert again.status_code == 400 and "The key Kiosk was already revoked." in again.content.decode()
    assert Event.objects.filter(type="api_key.revoked").count() == 1
    assert admin.post(f"{URL}key_nope/revoke/").status_code == 404


@pytest.mark.parametrize(
    "name, error",
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("web SHOP", "An active key is already named “web SHOP”: choose another name."),
    ],
)
def test_a_bad_name_is_a_form_error_and_creates_nothing(admin, name, error):
    admin.post(URL, {"name": "Web shop"})
    response = admin.post(URL, {"name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not created — correct the field marked below." in html
    assert error in html.replace("&#x27;", "'")
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize("role", ["Marketer", "Staff"])
def test_other_roles_cannot_list_create_or_revoke_keys(client, role_user, role):
    key = ApiKey.objects.create(name="Shop", app_id="a1", token_hash="0" * 64, token_hint="abcd")
    client.force_login(role_user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "Mine"}).status_code == 403
    assert client.post(f"{URL}{key.pk}/revoke/").status_code == 403
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().revoked_at is None
    assert 'href="/settings/api-keys/"' not in client.get("/settings/").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={URL}"


def test_revoking_needs_the_csrf_token(role_user):
    key = ApiKey.objects.create(name="Shop", app_id="a1", token_hash="0" * 64, token_hint="abcd")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(role_user("Admin"))
    assert browser.post(f"{URL}{key.pk}/revoke/").status_code == 403
    assert ApiKey.objects.get().revoked_at is None


def test_the_settings_page_offers_admins_the_api_keys_tab(admin):
    html = admin.get("/settings/").content.decode()
    assert 'href="/settings/api-keys/"' in html and ">API keys<" in html


def test_the_audit_log_says_who_created_and_revoked_which_key(admin):
    admin.post(URL, {"name": "Kiosk"})
    key = ApiKey.objects.get()
    admin.post(f"{URL}{key.pk}/revoke/")
    html = admin.get("/audit-log/events/").content.decode()
    assert f"API key Kiosk created (X-App-Id {key.app_id})." in html
    assert "API key Kiosk revoked: its calls are refused." in html


def test_an_admin_creates_a_key_with_management_rights_and_it_opens_the_management_api(role_user):
    client = Client()
    client.force_login(role_user("Admin"))

    page = client.post("/settings/api-keys/", {"name": "Ops", "can_manage": "on"}).content.decode()

    app_id = re.search(r'data-testid="new-key-app-id">([^<]+)<', page).group(1)
    token = re.search(r'data-testid="new-key-token">([^<]+)<', page).group(1)
    projects = Client().get("/management/v1/projects", headers={"X-Management-Id": app_id, "X-Management-Token": token})
    assert projects.status_code == 200 and projects.json()["total"] == 1
