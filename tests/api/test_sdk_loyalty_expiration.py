"""Points that expire: when a program's rules say they do, each addition is a bucket, spending takes the
soonest-expiring first, the SDK lists a card's buckets, and the beat task expires what is left of the
buckets due once (ledger row, event, the card's figures), however often it runs."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
import voucherify as V
from voucherify import models as M

from auditlog.models import Event
from conftest import wait_for
from exports.models import Export, ExportStatus
from loyalty.models import LoyaltyCard, PointsTransaction
from loyalty.services.expiration import expire_points, expires_on
from loyalty.services.points import PointsChange, change_balance
from outbound.models import Delivery
from outbound.services.webhooks import WebhookRequest, create_webhook
from tests.exports.factories import read_csv
from voucherhub.caller import Caller

from .test_sdk_loyalty_cards import join

CALLER = Caller("API", "test")


@pytest.mark.parametrize(
    ("rules", "added", "expires"),
    [
        ({"period_type": "MONTH", "period_value": 3}, "2026-01-31", "2026-04-30"),
        ({"period_type": "MONTH", "period_value": 1, "rounding_type": "END_OF_MONTH"}, "2026-01-10", "2026-02-28"),
        ({"period_type": "MONTH", "period_value": 2, "rounding_type": "END_OF_QUARTER"}, "2026-02-10", "2026-06-30"),
        ({"period_type": "MONTH", "period_value": 6, "rounding_type": "END_OF_YEAR"}, "2026-03-01", "2026-12-31"),
        (
            {"period_type": "MONTH", "period_value": 1, "rounding_type": "PARTICULAR_MONTH", "rounding_value": 3},
            "2026-05-01",
            "2027-03-31",
        ),  # fmt: skip
        ({"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 12, "fixed_day": 31}, "2026-06-01", "2026-12-31"),
        ({"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 2, "fixed_day": 29}, "2026-03-01", "2027-02-28"),
        (None, "2026-01-01", None),
    ],
)
def test_when_points_expire(rules, added, expires):
    expected = dt.date.fromisoformat(expires) if expires else None
    assert expires_on(rules, dt.date.fromisoformat(added)) == expected


def club(sdk):
    body = {
        "name": "Club",
        "voucher": {
            "type": "LOYALTY_CARD",
            "loyalty_card": {"points": 100, "expiration_rules": {"period_type": "MONTH", "period_value": 1}},
        },
    }
    return V.LoyaltiesApi(sdk).create_loyalty_program(M.LoyaltiesCreateCampaignRequestBody.from_dict(body))


@pytest.mark.django_db(transaction=True)
def test_buckets_are_spent_soonest_first_and_expire_once(sdk):
    program = club(sdk)
    assert program.voucher.loyalty_card.expiration_rules.period_value == 1
    ann = join(sdk, program.id, "ann")
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(50, "bonus"))
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(-30, "coffee"))

    buckets = V.LoyaltiesApi(sdk).list_points_expiration(program.id, ann.code).data
    month = dt.date.today()
    assert [b.bucket.total_points for b in buckets] == [70, 50]  # the starting points' bucket spent first
    assert all(b.status == "ACTIVE" and b.expires_at > month for b in buckets)

    later = month + dt.timedelta(days=40)
    assert expire_points(today=later) == 1
    assert expire_points(today=later) == 0
    card = LoyaltyCard.objects.get(voucher__code=ann.code)
    assert (card.balance, card.expired_points) == (0, 120)
    expired = PointsTransaction.objects.get(card=card, type="POINTS_EXPIRATION")
    assert (expired.points, expired.balance) == (-120, 0)
    event = Event.objects.get(type="voucher.loyalty_card.points_expired")
    assert event.data["points"] == -120 and event.resource_id == card.pk
    assert V.LoyaltiesApi(sdk).list_points_expiration(program.id, ann.code).total == 0


@pytest.mark.django_db(transaction=True)
def test_a_card_spent_down_has_nothing_left_to_expire(sdk):
    program = club(sdk)
    ann = join(sdk, program.id, "ann")
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(-100, "all of it"))
    assert expire_points(today=dt.date.today() + dt.timedelta(days=40)) == 0
    card = LoyaltyCard.objects.get(voucher__code=ann.code)
    assert (card.balance, card.expired_points) == (0, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("way", ["sql", "orm"])
def test_the_statement_and_the_models_expire_alike(sdk, way):
    """PostgreSQL runs one statement a batch; other databases the same through the models."""
    from django.db import transaction

    from loyalty.services import expiration
    from loyalty.services.tiers import create_tiers

    program = club(sdk)
    codes = [join(sdk, program.id, name).code for name in ("ann", "bob")]
    change_balance(caller=CALLER, member=codes[1], change=PointsChange(-40, "coffee"))
    hook = create_webhook(WebhookRequest(target_url="https://hooks.example.com/points",
                                         events=["voucher.loyalty_card.points_expired"]), caller=CALLER)  # fmt: skip
    levels = [("Basic", 0, 49), ("Silver", 50, 99), ("Gold", 100, None)]
    create_tiers(caller=CALLER, program=program.id,
                 items=[{"name": n, "points_from": a, "points_to": b} for n, a, b in levels])  # fmt: skip
    expire = expiration._expire_batch_sql if way == "sql" else expiration._expire_batch_orm
    with transaction.atomic():
        assert expire(dt.date.today() + dt.timedelta(days=40), 10) == 2
    cards = {c.voucher.code: c for c in LoyaltyCard.objects.select_related("voucher")}
    assert [(cards[c].balance, cards[c].expired_points) for c in codes] == [(0, 100), (0, 60)]
    ledger = PointsTransaction.objects.filter(type="POINTS_EXPIRATION").order_by("points")
    assert [(row.points, row.balance, row.reason) for row in ledger] == [
        (-100, 0, "Points expired"),
        (-60, 0, "Points expired"),
    ]
    events = Event.objects.filter(type="voucher.loyalty_card.points_expired")
    assert sorted(e.data["points"] for e in events) == [-100, -60] and all(e.customer_id for e in events)
    # each expiry event is queued for the webhook that wants it, in the same statement (or transaction)
    deliveries = Delivery.objects.filter(webhook=hook, status="PENDING")
    assert set(deliveries.values_list("event_id", flat=True)) == {e.pk for e in events}
    moves = Event.objects.filter(type__startswith="customer.loyalty.tier.")
    assert sorted((e.type, e.data["previous_tier"], e.data["tier"], e.data["code"]) for e in moves) == [
        ("customer.loyalty.tier.downgraded", "Gold", "Basic", codes[0]),
        ("customer.loyalty.tier.downgraded", "Silver", "Basic", codes[1]),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_programs_points_to_expire_are_exported_soonest_first(sdk, live_worker):
    program = club(sdk)
    ann = join(sdk, program.id, "ann")
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(50, "bonus"))
    body = {"parameters": {"fields": ["voucher_id", "points", "status"]}}
    made = V.LoyaltiesApi(sdk).create_points_expiration_export(
        program.id, M.LoyaltiesPointsExpirationExportCreateRequestBody.from_dict(body)
    )
    assert made.exported_object == "points_expiration"
    assert wait_for(lambda: Export.objects.filter(status=ExportStatus.DONE).count() == 1)
    got = V.ExportsApi(sdk).get_export(made.id)
    token = parse_qs(urlparse(got.result.url).query)["token"][0]
    rows = read_csv(V.ExportsApi(sdk).download_export(made.id, token=token))
    assert rows == [["voucher_id", "points", "status"], [ann.id, "100", "ACTIVE"], [ann.id, "50", "ACTIVE"]]
