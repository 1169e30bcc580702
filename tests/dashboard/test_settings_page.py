"""The Settings page (/settings/): every signed-in user, whatever their role, chooses the zone their pages
show times in; signing in is required, saving is a POST with CSRF, a zone that does not exist is a form
error."""

import pytest
from django.test import Client

from dashboard.models import UserPreference

pytestmark = pytest.mark.django_db


def test_the_settings_page_needs_signing_in(client):
    response = client.get("/settings/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/settings/"
    assert client.post("/settings/", {"time_zone": "Europe/Warsaw"}).status_code == 302
    assert not UserPreference.objects.exists()


@pytest.mark.parametrize("role", ["Marketer", "Staff", "Admin", None])
def test_every_role_reaches_its_settings_from_the_user_menu_and_saves_its_own_zone(client, role_user, role):
    user = role_user(role)
    client.force_login(user)
    home = client.get("/").content.decode()
    assert 'href="/settings/"' in home
    page = client.get("/settings/")
    assert page.status_code == 200
    response = client.post("/settings/", {"time_zone": "Europe/Warsaw"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    assert UserPreference.objects.get(user=user).time_zone == "Europe/Warsaw"
    after = client.get("/settings/").content.decode()
    assert "Times are now shown in Europe/Warsaw." in after
    assert "Times are shown in <strong>Europe/Warsaw</strong>" in after and "(your choice)" in after


def test_saving_needs_the_csrf_token(role_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(role_user("Marketer"))
    response = browser.post("/settings/", {"time_zone": "Europe/Warsaw"})
    assert response.status_code == 403
    assert not UserPreference.objects.exists()
    page = browser.get("/settings/")
    token = page.cookies["csrftoken"].value
    saved = browser.post("/settings/", {"time_zone": "Europe/Warsaw", "csrfmiddlewaretoken": token})
    assert saved.status_code == 302


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Warszawa", "../etc/passwd", "UTC+2"])
def test_a_zone_that_does_not_exist_is_a_form_error_and_nothing_is_saved(client, role_user, zone):
    client.force_login(role_user("Marketer"))
    response = client.post("/settings/", {"time_zone": zone})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f"“{zone}” is not a time zone we know. Type a region and a city as in Europe/Warsaw, "
        "or pick one of the suggestions that appear as you type."
    ) in html
    assert "Not saved — correct the field marked below." in html
    assert not UserPreference.objects.exists()


def test_an_empty_zone_follows_the_browser_again(client, role_user):
    user = role_user("Marketer")
    client.force_login(user)
    UserPreference.objects.create(user=user, time_zone="Asia/Tokyo")
    client.cookies["vh_tz"] = "America/New_York"
    assert "Times in Asia/Tokyo" in client.get("/redemptions/").content.decode()
    response = client.post("/settings/", {"time_zone": ""}, follow=True)
    html = response.content.decode()
    assert "Times now follow your browser&#x27;s time zone." in html
    assert "Times are shown in <strong>America/New_York</strong>" in html and "(your browser's zone)" in html
    assert "Times in America/New_York" in client.get("/redemptions/").content.decode()
