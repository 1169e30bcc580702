"""Times in the viewer's zone (issue 14, gap 1): the zone the browser reports (cookie ``vh_tz``) or the one
the user chose on the Settings page, named on the page, UTC kept on hover; date filters read in that zone;
the /v1/ API's wire format stays UTC whatever the cookie says."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags

from dashboard.formatting import when
from dashboard.models import UserPreference
from tests.redemptions.factories import make_redemption
from voucherhub.services import create_api_key

pytestmark = pytest.mark.django_db

# 03:30 UTC on March 10th is still March 9th in New York (EDT, UTC-4, since March 8th) and already noon in Tokyo.
MOMENT = datetime(2026, 3, 10, 3, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "Mar 10, 2026, 03:30:05"),
        ("America/New_York", "Mar 9, 2026, 23:30:05"),
        ("Asia/Tokyo", "Mar 10, 2026, 12:30:05"),
        ("Asia/Kolkata", "Mar 10, 2026, 09:00:05"),
    ],
)
def test_when_shows_the_active_zone_and_keeps_utc_in_the_title(zone, shown):
    with timezone.override(zone):
        html = str(when(MOMENT))
        tag = Template("{% load dashboard_tags %}{{ moment|when }}").render(Context({"moment": MOMENT}))
    assert html.startswith('<time datetime="2026-03-10T03:30:05Z" title="2026-03-10 03:30:05 UTC">')
    assert strip_tags(html) == shown
    assert tag == html


def test_when_follows_daylight_saving_time():
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with timezone.override("Europe/Warsaw"):
        assert strip_tags(when(summer)) == "Jul 1, 2026, 14:00:00"  # CEST, UTC+2
        assert strip_tags(when(MOMENT)) == "Mar 10, 2026, 04:30:05"  # CET, UTC+1


@pytest.fixture
def marketer(client, role_user):
    client.user = role_user("Marketer")
    client.force_login(client.user)
    return client


def test_the_browsers_zone_from_the_cookie_shows_times_there_and_names_the_zone(marketer):
    make_redemption(created_at=MOMENT, voucher_code="NY-1")
    marketer.cookies["vh_tz"] = "America/New_York"
    html = marketer.get("/redemptions/").content.decode()
    assert "Mar 9, 2026, 23:30:05" in strip_tags(html)
    assert 'title="2026-03-10 03:30:05 UTC"' in html
    assert "Times in America/New_York" in html


def test_detail_pages_name_the_zone_of_their_times(marketer, role_user):
    redemption = make_redemption(created_at=MOMENT)
    marketer.cookies["vh_tz"] = "Asia/Tokyo"
    html = marketer.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert "Times in Asia/Tokyo · UTC on hover" in html and "Mar 10, 2026, 12:30:05" in strip_tags(html)


@pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "../../etc/passwd", "", "America/New_York; x=1"])
def test_a_cookie_that_is_no_time_zone_is_ignored(marketer, cookie):
    make_redemption(created_at=MOMENT)
    marketer.cookies["vh_tz"] = cookie
    response = marketer.get("/redemptions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mar 10, 2026, 03:30:05" in strip_tags(html) and "Times in UTC" in html
    assert "UTC on hover" not in html  # the times are UTC already


def test_a_chosen_zone_beats_the_browsers(marketer, role_user):
    make_redemption(created_at=MOMENT)
    UserPreference.objects.create(user=role_user("Staff"), time_zone="America/New_York")  # someone else's
    marketer.cookies["vh_tz"] = "Europe/Warsaw"
    assert "Times in Europe/Warsaw" in marketer.get("/redemptions/").content.decode()
    UserPreference.objects.create(user=marketer.user, time_zone="Asia/Tokyo")
    html = marketer.get("/redemptions/").content.decode()
    assert "Times in Asia/Tokyo" in html and "Mar 10, 2026, 12:30:05" in strip_tags(html)


def test_date_filters_read_days_in_the_viewers_zone(marketer):
    make_redemption(created_at=MOMENT, voucher_code="LATE-NIGHT")  # March 9th in New York, 10th in UTC
    marketer.cookies["vh_tz"] = "America/New_York"
    assert "LATE-NIGHT" in marketer.get("/redemptions/?created_from=2026-03-09&created_to=2026-03-09").content.decode()
    assert "LATE-NIGHT" not in marketer.get("/redemptions/?created_from=2026-03-10").content.decode()
    marketer.cookies["vh_tz"] = "UTC"
    assert "LATE-NIGHT" not in marketer.get("/redemptions/?created_to=2026-03-09").content.decode()
    assert "LATE-NIGHT" in marketer.get("/redemptions/?created_from=2026-03-10").content.decode()


def test_the_api_keeps_utc_whatever_the_browser_cookie_says(marketer):
    redemption = make_redemption(created_at=MOMENT)
    key, token = create_api_key(name="Shop")
    api = Client()
    headers = {"X-App-Id": key.app_id, "X-App-Token": token}
    plain = api.get(f"/v1/redemptions/{redemption.pk}", headers=headers).json()
    api.cookies["vh_tz"] = "Asia/Tokyo"
    with_cookie = api.get(f"/v1/redemptions/{redemption.pk}", headers=headers).json()
    assert plain["date"] == with_cookie["date"] == "2026-03-10T03:30:05.000Z"
    # A bare date in the API's filters is a UTC day, never the cookie's.
    listed = api.get("/v1/redemptions", {"created_at[before]": "2026-03-10"}, headers=headers).json()
    assert listed["redemptions"] == []


@pytest.mark.parametrize(
    ("path", "zone"),
    [
        ("/v1/redemptions", "UTC"),
        ("/management/v1/projects", "UTC"),
        ("/redemptions/", "Asia/Tokyo"),
        ("/login/", "Asia/Tokyo"),
    ],
)
def test_the_middleware_activates_the_viewers_zone_for_dashboard_paths_only(rf, path, zone):
    from django.contrib.auth.models import AnonymousUser

    from dashboard.timezones import TimeZoneMiddleware

    seen = []
    request = rf.get(path, HTTP_COOKIE="vh_tz=Asia/Tokyo")
    request.user = AnonymousUser()
    TimeZoneMiddleware(lambda request: seen.append(timezone.get_current_timezone_name()))(request)
    assert seen == [zone]
    assert timezone.get_current_timezone_name() == "UTC"  # and nothing stays active afterwards


def test_the_home_page_names_the_zone(marketer):
    marketer.cookies["vh_tz"] = "Europe/Warsaw"
    assert "Times in Europe/Warsaw · UTC on hover" in marketer.get("/").content.decode()


def test_a_page_shown_in_the_default_zone_for_want_of_the_cookie_says_so_for_the_browser_to_reload(marketer):
    # static/js/timezone.js loads such a page again once it has written the browser's zone.
    assert 'data-vh-zone="UTC"' in marketer.get("/redemptions/").content.decode()
    marketer.cookies["vh_tz"] = "Asia/Tokyo"
    assert "data-vh-zone" not in marketer.get("/redemptions/").content.decode()
    del marketer.cookies["vh_tz"]
    UserPreference.objects.create(user=marketer.user, time_zone="Europe/Warsaw")  # a chosen zone: no reload
    assert "data-vh-zone" not in marketer.get("/redemptions/").content.decode()


def test_the_bells_list_names_the_zone_of_its_times(marketer):
    marketer.cookies["vh_tz"] = "Europe/Warsaw"
    menu = marketer.get("/exports/notifications/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="notifications-time-zone">Times in Europe/Warsaw · UTC on hover<' in menu
    assert "Times in Europe/Warsaw · UTC on hover" in marketer.get("/exports/notifications/").content.decode()
