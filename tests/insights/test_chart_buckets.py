"""The one bucketing rule of the Campaigns section's charts: by day up to about two months, by week up to
about a year, by month beyond; every bucket of a period is present and the daily figures add up in it."""

from datetime import date, timedelta

import pytest

from insights.charts import DAY_MAX_DAYS, WEEK_MAX_DAYS, bucket_for, bucketed


@pytest.mark.parametrize(
    ("days", "bucket", "noun"),
    [
        (1, "day", "per day"),
        (30, "day", "per day"),
        (DAY_MAX_DAYS, "day", "per day"),
        (DAY_MAX_DAYS + 1, "week", "per week"),
        (90, "week", "per week"),
        (365, "week", "per week"),
        (WEEK_MAX_DAYS, "week", "per week"),
        (WEEK_MAX_DAYS + 1, "month", "per month"),
        (3 * 365, "month", "per month"),
    ],
)
def test_a_period_is_drawn_by_day_week_or_month_as_its_length_says(days, bucket, noun):
    assert bucket_for(days).name == bucket and bucket_for(days).noun == noun


def test_daily_figures_add_up_in_weeks_from_monday_and_every_week_is_there():
    first, last = date(2026, 1, 1), date(2026, 3, 31)  # 90 days, a Thursday to a Tuesday
    rows = [{"day": first + timedelta(days=n), "n": 1} for n in range(0, 90, 3)]
    points = bucketed(rows, ["n"], first, last)
    assert [p.day for p in points][:2] == [date(2025, 12, 29), date(2026, 1, 5)]  # Mondays
    assert points[-1].day == date(2026, 3, 30)
    assert len(points) == 14 and sum(p.values["n"] for p in points) == 30
    assert all(b.day - a.day == timedelta(days=7) for a, b in zip(points, points[1:], strict=False))


def test_a_long_period_adds_up_by_month_with_month_labels():
    first, last = date(2025, 1, 15), date(2026, 6, 14)
    rows = [{"day": date(2025, 2, 10), "n": 2}, {"day": date(2025, 2, 28), "n": 3}, {"day": last, "n": 1}]
    points = bucketed(rows, ["n"], first, last)
    assert points[0].day == date(2025, 1, 1) and points[-1].day == date(2026, 6, 1) and len(points) == 18
    assert {p.day: p.values["n"] for p in points if p.values["n"]} == {date(2025, 2, 1): 5, date(2026, 6, 1): 1}
    assert bucket_for(516).label(date(2025, 2, 1)) == "Feb 2025"
    assert bucket_for(90).label(date(2026, 3, 2)) == "Week of Mar 2"


def test_the_top_of_a_charts_y_axis_is_a_round_number_above_the_highest_point():
    from insights.charts import nice_top

    # €135.80 (minor units) draws under €200.00 with €100.00 in the middle, not €135.80 and €67.90.
    assert nice_top(13_580) == 20_000 and nice_top(6_790) == 10_000
    assert [nice_top(v) for v in (0, 1, 2, 3, 7, 10, 11, 21, 26, 100, 101, 250, 251)] == [
        1, 1, 2, 5, 10, 10, 20, 25, 50, 100, 200, 250, 500,
    ]  # fmt: skip
