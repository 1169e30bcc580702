"""A campaign's dashboard, per campaign type: every figure and every chart point matches the rows behind
it, counted here independently with plain SQL. The rows are made by the engine (validate, redeem, roll
back), as the API makes them, plus back-dated rows for the charts' past days."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campaigns.models import CampaignType, PromotionTier, Voucher
from redemptions.models import Redemption, Validation
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from redemptions.services.validation import validate
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_redemption
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("test")


def figures(html: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r'data-figure="([a-z_]+)" data-value="(-?\d+)"', html)}


def chart(html: str, chart_id: str) -> dict:
    block = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert block, f"no data block for {chart_id}"
    return json.loads(unescape(block.group(1)))


def scalar(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def rows(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def period_start(days: int = 30):
    """Midnight UTC of the first day of the period (the last ``days`` UTC days, today included)."""
    today = datetime.now(UTC).date()
    return datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)


def expected_figures(campaign_id: str, days: int = 30) -> dict[str, int]:
    """The dashboard's figures, straight from the tables: the period's, and vouchers as they are now."""
    since = period_start(days)
    of_period = "FROM redemptions_redemption WHERE campaign_id = %s AND created_at >= %s"
    standing = f"{of_period} AND status = 'SUCCEEDED'"
    validation_ids = [
        pk
        for pk, redeemables, created_at in rows("SELECT id, redeemables, created_at FROM redemptions_validation")
        if any(r.get("campaign_id") == campaign_id for r in _json(redeemables)) and _utc(created_at) >= since
    ]
    return {
        "orders": scalar(f"SELECT COUNT(order_id) {standing}", campaign_id, since),
        "order_value": scalar(f"SELECT COALESCE(SUM(order_amount), 0) {standing}", campaign_id, since),
        "discounts_given": scalar(f"SELECT COALESCE(SUM(discount_amount), 0) {standing}", campaign_id, since),
        "gift_value_spent": scalar(f"SELECT COALESCE(SUM(gift_amount), 0) {standing}", campaign_id, since),
        "vouchers": scalar(
            "SELECT COUNT(*) FROM campaigns_voucher WHERE campaign_id = %s AND deleted_at IS NULL", campaign_id
        ),
        "validations": len(validation_ids),
        "redemptions_succeeded": scalar(f"SELECT COUNT(*) {of_period} AND result = 'SUCCESS'", campaign_id, since),
        "redemptions_failed": scalar(f"SELECT COUNT(*) {of_period} AND result = 'FAILURE'", campaign_id, since),
        # every successful rollback of the campaign's redemptions of the period (at most one each)
        "rollbacks": scalar(
            "SELECT COUNT(*) FROM redemptions_rollback rb JOIN redemptions_redemption r ON r.id = rb.redemption_id"
            " WHERE r.campaign_id = %s AND r.created_at >= %s AND rb.result = 'SUCCESS'",
            campaign_id,
            since,
        ),
    }


def _utc(value):
    if isinstance(value, str):  # SQLite returns text
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value.astimezone(UTC)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def per_day(table: str, campaign_id: str, where: str = "") -> dict[str, int]:
    """Rows per UTC day, counted in Python from the raw timestamps (no SQL date functions)."""
    counts: dict[str, int] = {}
    for (created_at,) in rows(f"SELECT created_at FROM {table} WHERE campaign_id = %s {where}", campaign_id):
        day = _utc(created_at).date().isoformat()
        counts[day] = counts.get(day, 0) + 1
    return counts


def order(amount: int) -> dict:
    return {"amount": amount, "items": [{"sku_id": "sku-1", "quantity": 1, "price": amount}]}


def test_a_discount_coupon_dashboard_adds_up(marketer_client):
    campaign = make_campaign(name="Coupons")
    other = make_campaign(name="Other campaign")
    codes = [make_voucher(code=f"DC-{i}", campaign=campaign, redemption_quantity=2).code for i in range(4)]
    make_voucher(code="OTHER-1", campaign=other)
    Voucher.objects.filter(code="DC-3").update(created_at=timezone.now() - timedelta(days=3))
    # Validations: two valid ones for this campaign, one for another campaign.
    validate(stack(redeemables=[{"object": "voucher", "id": codes[0]}], order=order(5_000)), caller=CALLER)
    validate(stack(redeemables=[{"object": "voucher", "id": codes[1]}], order=order(7_000)), caller=CALLER)
    validate(stack(redeemables=[{"object": "voucher", "id": "OTHER-1"}], order=order(7_000)), caller=CALLER)
    ok = [
        redeem(stack(redeemables=[{"object": "voucher", "id": code}], order=order(amount)), caller=CALLER)
        for code, amount in ((codes[0], 10_000), (codes[1], 20_000), (codes[2], 30_000))
    ]
    assert all(outcome.error is None for outcome in ok)
    redeem(stack(redeemables=[{"object": "voucher", "id": "OTHER-1"}], order=order(50_000)), caller=CALLER)
    # One rolled back, one failed attempt (quantity used up), and older rows for the chart's past days.
    rollback_redemption(RollbackRequest(ok[2].redemptions[0].pk, reason="returned"), caller=CALLER)
    redeem(stack(redeemables=[{"object": "voucher", "id": codes[0]}], order=order(1_000)), caller=CALLER)
    redeem(stack(redeemables=[{"object": "voucher", "id": codes[0]}], order=order(1_000)), caller=CALLER)
    voucher = Voucher.objects.get(code=codes[3])
    make_redemption(voucher=voucher, campaign=campaign, days_ago=2, order_amount=4_000, discount_amount=400)
    make_redemption(failed=True, voucher=voucher, campaign=campaign, days_ago=5)
    make_redemption(voucher=voucher, campaign=campaign, days_ago=45, order_amount=9_000, discount_amount=900)

    response = marketer_client.get(f"/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = figures(html)
    expected = expected_figures(campaign.pk)
    assert {key: shown[key] for key in expected if key != "gift_value_spent"} == {
        key: value for key, value in expected.items() if key != "gift_value_spent"
    }
    # Sanity: the data really has every kind of row, so the comparison above is not 0 == 0.
    assert expected["redemptions_failed"] == 2 and expected["rollbacks"] == 1 and expected["validations"] == 2
    assert expected["orders"] == 3 and expected["vouchers"] == 4  # the back-dated rows have no order
    assert "gift_value_spent" not in shown  # not a gift-card campaign

    series = chart(html, "chart-activity")
    assert len(series["days"]) == 30  # the default period: 30 UTC days ending today
    for key, where in (
        ("redemptions_succeeded", "AND result = 'SUCCESS'"),
        ("redemptions_failed", "AND result = 'FAILURE'"),
        ("rollbacks", "AND status = 'ROLLED_BACK'"),  # on the day of the redemption undone
    ):
        truth = per_day("redemptions_redemption", campaign.pk, where)
        assert dict(zip(series["days"], series[key], strict=True)) == {d: truth.get(d, 0) for d in series["days"]}
    assert sum(series["redemptions_succeeded"]) == expected["redemptions_succeeded"]
    assert sum(series["rollbacks"]) == 1 and sum(series["validations"]) == 2
    vouchers = chart(html, "chart-vouchers")
    truth = per_day("campaigns_voucher", campaign.pk)
    assert dict(zip(vouchers["days"], vouchers["vouchers_created"], strict=True)) == {
        d: truth.get(d, 0) for d in vouchers["days"]
    }
    assert sorted(v for v in vouchers["vouchers_created"] if v) == [1, 3]

    # A longer period takes in the 45-day-old redemption, figures and chart alike; a bad period falls back
    # to the default.
    year_html = marketer_client.get(f"/campaigns/{campaign.pk}/?days=365").content.decode()
    year = expected_figures(campaign.pk, days=365)
    assert year["redemptions_succeeded"] == expected["redemptions_succeeded"] + 1
    assert {key: figures(year_html)[key] for key in year if key != "gift_value_spent"} == {
        key: value for key, value in year.items() if key != "gift_value_spent"
    }
    assert sum(chart(year_html, "chart-activity")["redemptions_succeeded"]) == year["redemptions_succeeded"]
    bad = marketer_client.get(f"/campaigns/{campaign.pk}/?days=abc")
    assert bad.status_code == 200 and len(chart(bad.content.decode(), "chart-activity")["days"]) == 30


def test_a_gift_card_dashboard_adds_up_with_balances(marketer_client):
    campaign = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    for i in range(3):
        make_gift_card(amount=10_000, code=f"GC-{i}", campaign=campaign)
    spent = []
    for code, credits in (("GC-0", 2_500), ("GC-1", 4_000), ("GC-2", 1_000)):
        outcome = redeem(
            stack(redeemables=[{"object": "voucher", "id": code, "gift": {"credits": credits}}], order=order(credits)),
            caller=CALLER,
        )
        assert outcome.error is None, outcome.error
        spent.append(outcome.redemptions[0])
    rollback_redemption(RollbackRequest(spent[2].pk), caller=CALLER)
    redeem(
        stack(redeemables=[{"object": "voucher", "id": "GC-0", "gift": {"credits": 50_000}}], order=order(50_000)),
        caller=CALLER,
    )

    html = marketer_client.get(f"/campaigns/{campaign.pk}/").content.decode()
    shown = figures(html)
    expected = expected_figures(campaign.pk)
    # A gift card gives credits, not discounts: its Budget says what they paid, under "Credits used".
    assert {key: shown[key] for key in expected if key != "discounts_given"} == {
        key: value for key, value in expected.items() if key != "discounts_given"
    }
    assert "discounts_given" not in shown and "Discounts given" not in html and "Credits used" in html
    assert expected["gift_value_spent"] == 6_500 and expected["redemptions_failed"] == 1
    assert (
        shown["gift_value_issued"]
        == scalar("SELECT SUM(gift_amount) FROM campaigns_voucher WHERE campaign_id = %s", campaign.pk)
        == 30_000
    )
    assert (
        shown["gift_balance"]
        == scalar("SELECT SUM(gift_balance) FROM campaigns_voucher WHERE campaign_id = %s", campaign.pk)
        == 30_000 - 6_500
    )
    # The balance left is what the cards started with plus their balance changes (the factory makes the
    # cards without a creation transaction).
    assert shown["gift_balance"] == 30_000 + scalar(
        "SELECT SUM(t.amount) FROM campaigns_vouchertransaction t JOIN campaigns_voucher v ON v.id = t.voucher_id"
        " WHERE v.campaign_id = %s",
        campaign.pk,
    )
    # Gift cards have a Transactions tab listing every balance change.
    tab = marketer_client.get(f"/campaigns/{campaign.pk}/transactions/").content.decode()
    changes = scalar(
        "SELECT COUNT(*) FROM campaigns_vouchertransaction t JOIN campaigns_voucher v ON v.id = t.voucher_id"
        " WHERE v.campaign_id = %s",
        campaign.pk,
    )
    assert changes == 4 and f"{changes} balance changes" in tab
    assert tab.count("data-amount=") == changes


def test_a_loyalty_programs_budget_and_analytics_say_what_members_paid_with_points(marketer_client):
    from loyalty.services.programs import add_member, create_program
    from loyalty.services.rewards import assign, create_reward
    from redemptions.services.rewards import RewardRequest, redeem_reward

    club = create_program(caller=CALLER, name="Club", points=1_000)
    coin = create_reward(caller=CALLER, fields={"name": "Pay with points", "type": "COIN", "exchange_ratio": 1,
                                                "points_ratio": 100})  # fmt: skip
    assign(caller=CALLER, program=club.pk, items=[(coin.pk, 1)])
    card = add_member(caller=CALLER, program=club.pk, customer={"source_id": "ann"})
    paid = {"object": "voucher", "id": card.code, "reward": {"id": coin.pk, "points": 350}}
    redeem(stack(redeemables=[paid], order=order(2_500), customer={"source_id": "ann"}), caller=CALLER)
    # Bob takes a mug for points: a redemption of his card that pays no part of any order.
    mug = create_reward(caller=CALLER, fields={"name": "Mug", "type": "MATERIAL", "product_id": "mug"})
    assign(caller=CALLER, program=club.pk, items=[(mug.pk, 300)])
    bob = add_member(caller=CALLER, program=club.pk, customer={"source_id": "bob"})
    redeem_reward(RewardRequest(member=bob.code, reward_id=mug.pk), caller=CALLER)

    html = marketer_client.get(f"/campaigns/{club.pk}/").content.decode()
    shown = figures(html)
    # 350 points at 100 for €1.00 paid €3.50 of the order: credits, as a gift card's, not a discount.
    assert (shown["orders"], shown["order_value"], shown["paid_with_points"]) == (1, 2_500, 350)
    assert "Paid with points" in html and "Discounts given" not in html and "discounts_given" not in shown
    analytics = marketer_client.get(f"/campaigns/{club.pk}/analytics/").content.decode()
    assert "Paid with points per day" in analytics and "€3.50 paid with points" in analytics
    assert bob.code in analytics and "€0.00 paid with points" not in analytics  # no note where a card paid nothing
    assert sum(chart(analytics, "chart-value")["value"]) == 350  # on the chart of what they gave, by day


def test_a_promotion_dashboard_adds_up_and_lists_its_tiers(marketer_client):
    campaign = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    gold = PromotionTier.objects.create(
        campaign=campaign, name="Gold 15%", position=1, discount_type="PERCENT", percent_off=15
    )
    PromotionTier.objects.create(
        campaign=campaign, name="Silver 500 off", position=2, discount_type="AMOUNT", amount_off=500
    )
    outcomes = [
        redeem(stack(redeemables=[{"object": "promotion_tier", "id": gold.pk}], order=order(amount)), caller=CALLER)
        for amount in (10_000, 20_000)
    ]
    assert all(o.error is None for o in outcomes)
    validate(stack(redeemables=[{"object": "promotion_tier", "id": gold.pk}], order=order(3_000)), caller=CALLER)
    rollback_redemption(RollbackRequest(outcomes[0].redemptions[0].pk), caller=CALLER)

    html = marketer_client.get(f"/campaigns/{campaign.pk}/").content.decode()
    shown = figures(html)
    expected = expected_figures(campaign.pk)
    expected.pop("vouchers")  # promotions have tiers, not vouchers
    assert {key: shown[key] for key in expected if key != "gift_value_spent"} == {
        k: v for k, v in expected.items() if k != "gift_value_spent"
    }
    assert expected["discounts_given"] == 3_000 and expected["rollbacks"] == 1 and expected["validations"] == 1
    assert "Gold 15%" in html and "Silver 500 off" in html and 'data-testid="redemption-values"' in html
    assert 'id="chart-vouchers"' not in html
    tiers = marketer_client.get(f"/campaigns/{campaign.pk}/tiers/").content.decode()
    assert tiers.count("data-tier=") == 2
    # Tabs a promotion does not have are not there.
    assert marketer_client.get(f"/campaigns/{campaign.pk}/transactions/").status_code == 404
    assert marketer_client.get(f"/campaigns/{campaign.pk}/vouchers/").status_code == 404


def test_the_dashboard_makes_a_fixed_number_of_queries(marketer_client):
    campaign = make_campaign(name="Fixed")
    for i in range(5):
        make_voucher(code=f"FX-{i}", campaign=campaign)
        make_redemption(campaign=campaign, days_ago=i)
    with CaptureQueriesContext(connection) as few:
        marketer_client.get(f"/campaigns/{campaign.pk}/")
    for i in range(20):
        make_redemption(campaign=campaign, days_ago=i % 9, order_amount=100)
        make_voucher(code=f"FY-{i}", campaign=campaign)
    with CaptureQueriesContext(connection) as many:
        marketer_client.get(f"/campaigns/{campaign.pk}/?days=7")
    assert len(many) == len(few)


def test_validations_of_other_campaigns_are_not_counted(marketer_client):
    one = make_campaign(name="One")
    two = make_campaign(name="Two")
    make_voucher(code="ONE-1", campaign=one)
    make_voucher(code="TWO-1", campaign=two)
    validate(
        stack(
            redeemables=[{"object": "voucher", "id": "ONE-1"}, {"object": "voucher", "id": "TWO-1"}], order=order(1_000)
        ),
        caller=CALLER,
    )
    validate(stack(redeemables=[{"object": "voucher", "id": "TWO-1"}], order=order(1_000)), caller=CALLER)
    assert Validation.objects.count() == 2
    assert figures(marketer_client.get(f"/campaigns/{one.pk}/").content.decode())["validations"] == 1
    assert figures(marketer_client.get(f"/campaigns/{two.pk}/").content.decode())["validations"] == 2
    assert Redemption.objects.count() == 0


def _svg(html: str, chart_id: str) -> str:
    return re.search(rf'<figure[^>]*data-chart="{chart_id}".*?</figure>', html, re.S).group(0)


def test_charts_bucket_by_day_then_week_label_zero_and_say_in_one_line_when_empty(client, role_user):
    campaign = make_campaign(name="Charts")
    make_voucher(code="CHART-1", campaign=campaign)  # one voucher created today: the vouchers chart has a point
    client.force_login(role_user("Marketer"))

    month = client.get(f"/campaigns/{campaign.pk}/?days=30").content.decode()
    vouchers = _svg(month, "chart-vouchers")
    assert 'fill-opacity="0"' not in vouchers and vouchers.count("<circle") == 30  # a painted marker a day
    assert 'data-grid="0"' in vouchers and 'data-grid="1"' in vouchers  # a labelled 0 baseline and top
    assert "Vouchers created per day" in month and "One point per day" in vouchers
    assert "None in this period" not in vouchers and "<polyline" in vouchers
    # Nothing validated, redeemed or rolled back: one line of text, no empty frame.
    activity = _svg(month, "chart-activity")
    assert "None in this period." in activity and "<svg" not in activity and "data-grid" not in activity
    assert chart(month, "chart-activity")["redemptions_succeeded"] == [0] * 30  # the figures stay in the DOM

    # A year is drawn by week (53 or 54 weeks from Monday), and the headings and axis say so.
    year = client.get(f"/campaigns/{campaign.pk}/?days=365").content.decode()
    vouchers = _svg(year, "chart-vouchers")
    circles = re.findall(r"<circle[^>]*>", vouchers)
    assert 53 <= len(circles) <= 54 and "<polyline" in vouchers
    assert "Vouchers created per week" in year and "One point per week" in vouchers
    data = chart(year, "chart-vouchers")
    assert data["bucket"] == "week" and len(data["days"]) == len(circles)
    assert all(date.fromisoformat(day).weekday() == 0 for day in data["days"])  # weeks start on Monday
    assert sum(data["vouchers_created"]) == 1
