"""A campaign's per-day figures and the calendar count days in the viewer's zone on the dashboard, and in
UTC for GET /v1/campaigns/{id}/summary (the query's ``tz``)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict

from insights.analytics import campaign_analytics
from insights.calendar import calendar, window
from insights.queries import campaign_summary
from tests.factories import make_campaign
from tests.redemptions.factories import make_redemption

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LATE_EVENING_IN_NEW_YORK = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)  # March 9th, 23:30 EDT
NEW_YORK = ZoneInfo("America/New_York")


def redemptions_by_day(summary) -> dict[date, int]:
    return {point.day: point.redemptions_succeeded for point in summary.series if point.redemptions_succeeded}


def test_a_redemption_counts_on_the_viewers_day():
    campaign = make_campaign(name="Spring")
    make_redemption(campaign=campaign, created_at=LATE_EVENING_IN_NEW_YORK)

    in_utc = campaign_summary(campaign, days=7, now=NOW)
    in_new_york = campaign_summary(campaign, days=7, now=NOW, tz=NEW_YORK)

    assert redemptions_by_day(in_utc) == {date(2026, 3, 10): 1}
    assert redemptions_by_day(in_new_york) == {date(2026, 3, 9): 1}
    assert (in_new_york.period_start, in_new_york.period_end) == (date(2026, 3, 4), date(2026, 3, 10))


def test_the_period_starts_at_the_viewers_midnight():
    campaign = make_campaign(name="Edge")
    # 03:30 UTC on March 4th is still March 3rd in New York: before a 7-day period ending March 10th there.
    make_redemption(campaign=campaign, created_at=LATE_EVENING_IN_NEW_YORK - timedelta(days=6))
    assert campaign_summary(campaign, days=7, now=NOW).redemptions_succeeded == 1
    assert campaign_summary(campaign, days=7, now=NOW, tz=NEW_YORK).redemptions_succeeded == 0


def test_the_calendar_places_days_in_the_viewers_zone():
    now = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # April 1st in UTC, still March 31st in New York
    assert window(QueryDict(), now).start == date(2026, 4, 1)
    assert window(QueryDict(), now, tz=NEW_YORK).start == date(2026, 3, 1)
    make_campaign(name="From April", start_date=now)
    month = window(QueryDict("zoom=month&from=2026-03"), now, tz=NEW_YORK)
    [bar] = [bar for bar in calendar(month, now, tz=NEW_YORK).bars if bar.campaign.name == "From April"]
    assert bar.left == round(30 * 100 / 31, 3)  # it starts on March 31st, the window's last day


def test_analytics_count_the_viewers_days():
    campaign = make_campaign(name="Autumn")
    make_redemption(campaign=campaign, created_at=LATE_EVENING_IN_NEW_YORK)
    assert [row["day"] for row in campaign_analytics(campaign, days=7, now=NOW).values_by_day] == [date(2026, 3, 10)]
    in_new_york = campaign_analytics(campaign, days=7, now=NOW, tz=NEW_YORK)
    assert [row["day"] for row in in_new_york.values_by_day] == [date(2026, 3, 9)]


def test_the_dashboard_names_the_zone_its_days_are_in(client, role_user):
    campaign = make_campaign(name="Named")
    client.force_login(role_user("Marketer"))
    client.cookies["vh_tz"] = "America/New_York"
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Days in America/New_York from" in html
    assert "(days in America/New_York)" in client.get("/campaigns/calendar/").content.decode()
