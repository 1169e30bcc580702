"""The Campaigns calendar: a window of a month, a quarter or a year, moved and zoomed by GET parameters (so a
window is a bookmark), labels that fit their segment, and bad parameters that give a message and the default,
never an error page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_campaign

PAGE = "/campaigns/calendar/"


def bars(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-campaign="(camp_\w+)" data-status="(\w+)"', html))


def at(day) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def marketer(client, role_user):
    client.force_login(role_user("Marketer"))
    return client


def test_the_default_window_is_this_quarter_with_enabled_campaigns_that_run_in_it(marketer):
    today = timezone.now().astimezone(UTC).date()
    first = today.replace(day=1)
    running = make_campaign(name="Running", start_date=at(first), expiration_date=at(first + timedelta(days=29)))
    later = make_campaign(name="Later", start_date=at(first + timedelta(days=40)))
    over = make_campaign(name="Over", expiration_date=timezone.now() - timedelta(days=400))
    off = make_campaign(name="Off", active=False)
    html = marketer.get(PAGE).content.decode()
    assert bars(html) == {running.pk: "active" if today.day <= 30 else "expired", later.pk: "scheduled"}
    assert over.pk not in html and off.pk not in html
    # Three months from this month's 1st: the running campaign starts at the left edge, ~30 of ~91 days long.
    bar = re.search(r'style="left: ([\d.]+)%; width: ([\d.]+)%"\s+data-campaign="' + running.pk, html)
    assert float(bar.group(1)) == 0 and float(bar.group(2)) == pytest.approx(30 * 100 / 91, abs=1.5)
    ticks = re.findall(r'data-tick="([\d-]+)">([^<]+)<', html)
    assert len(ticks) == 3 and ticks[0] == (f"{first:%Y-%m-%d}", f"{first:%b %Y}")
    assert 'data-testid="calendar-today"' in html


def test_previous_next_and_zoom_are_links_to_bookmarkable_windows(marketer):
    spring = make_campaign(
        name="Spring 2026", start_date=at(datetime(2026, 3, 10)), expiration_date=at(datetime(2026, 4, 20))
    )
    html = marketer.get(PAGE + "?zoom=month&from=2026-04").content.decode()
    assert "Campaigns from Apr 1, 2026 to Apr 30, 2026" in html
    assert list(bars(html)) == [spring.pk]
    assert 'href="/campaigns/calendar/?zoom=month&amp;from=2026-03"' in html  # previous month
    assert 'href="/campaigns/calendar/?zoom=month&amp;from=2026-05"' in html  # next month
    assert 'href="/campaigns/calendar/?zoom=year&amp;from=2026-04"' in html  # zoom out, same start
    ticks = re.findall(r'data-tick="([\d-]+)">([^<]+)<', html)
    assert [label for _, label in ticks] == ["Apr 1", "Apr 8", "Apr 15", "Apr 22", "Apr 29"]
    # The bar runs from the window's left edge (it started in March) to Apr 20 (20 of 30 days).
    bar = re.search(r'style="left: ([\d.]+)%; width: ([\d.]+)%"\s+data-campaign="' + spring.pk, html)
    assert float(bar.group(1)) == 0 and float(bar.group(2)) == pytest.approx(20 * 100 / 30, abs=0.5)
    assert "open-start" in html and 'data-testid="calendar-today"' not in html

    may = marketer.get(PAGE + "?zoom=month&from=2026-05").content.decode()
    assert spring.pk not in may and "No campaigns run in this month" in may
    year = marketer.get(PAGE + "?zoom=year&from=2026-01").content.decode()
    assert "Campaigns from Jan 1, 2026 to Dec 31, 2026" in year and spring.pk in year
    labels = [label for _, label in re.findall(r'data-tick="([\d-]+)">([^<]+)<', year)]
    assert labels[0] == "Jan 2026" and labels[1] == "Feb" and len(labels) == 12
    assert 'href="/campaigns/calendar/?zoom=year&amp;from=2027-01"' in year  # next year


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?zoom=decade", "\u201cdecade\u201d is not a zoom: choose month, quarter or year."),
        ("?from=2026-13", "\u201c2026-13\u201d is not a month between 2000 and 2100"),
        ("?from=yesterday", "\u201cyesterday\u201d is not a month between 2000 and 2100"),
        ("?from=9999-01", "\u201c9999-01\u201d is not a month between 2000 and 2100"),
    ],
)
def test_a_bad_window_says_so_and_shows_the_default(marketer, query, message):
    response = marketer.get(PAGE + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    first = timezone.now().astimezone(UTC).date().replace(day=1)
    assert f"Campaigns from {first:%b} {first.day}, {first.year}" in html


def test_the_calendar_needs_login_and_the_campaign_view_permission(client, role_user):
    assert client.get(PAGE).status_code == 302
    client.force_login(role_user(None))
    assert client.get(PAGE + "?zoom=year").status_code == 403


def test_the_legend_names_each_colour_a_bar_may_have_and_today(marketer):
    make_campaign(name="Running")
    html = marketer.get(PAGE).content.decode()
    legend = re.search(r'data-testid="calendar-legend">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'vh-calendar-(\w+)" aria-hidden="true"></span>(\w+)<', legend) == [
        ("active", "Active"),
        ("scheduled", "Scheduled"),
        ("expired", "Expired"),
    ]
    assert "Today</li>" in legend and 'data-testid="calendar-today-line"' in html
