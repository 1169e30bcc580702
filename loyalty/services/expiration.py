"""Points that expire: a program's ``voucher.loyalty_card.expiration_rules`` say when points added to its
cards expire (``MONTH``: so many months after they were added, optionally rounded to the end of a month,
quarter, half year, year or a particular month; ``FIXED_DAY_OF_YEAR``: the next such day). Each addition is a
PointsBucket; spending takes from the soonest-expiring buckets first (under the card's row lock); the beat
task (:func:`expire_points`) expires what is left of the buckets due, in sets: one statement a batch of
cards on PostgreSQL locks the cards (skipping any a call holds), closes their buckets, takes the points off
the cards and writes one POINTS_EXPIRATION ledger row and one ``voucher.loyalty_card.points_expired`` event
per card. Idempotent: a bucket expires once, whenever and however often the task runs.
"""

import calendar
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from auditlog.models import Event
from auditlog.services import record_event
from campaigns.models import Campaign, Voucher
from voucherhub import hotsql
from voucherhub.caller import Caller

from ..models import BucketStatus, LoyaltyCard, PointsBucket, PointsTransaction, PointsType

EXPIRATION_BATCH = 20_000  # cards a statement of the beat task expires
ROUNDING_MONTHS = {"END_OF_MONTH": 1, "END_OF_QUARTER": 3, "END_OF_HALF_YEAR": 6, "END_OF_YEAR": 12}
EXPIRED_REASON = "Points expired"


def program_rules(campaign: Campaign) -> Mapping[str, Any] | None:
    return ((campaign.voucher_template or {}).get("loyalty_card") or {}).get("expiration_rules") or None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(rules: Mapping[str, Any] | None, added: date) -> date | None:
    """When points added on ``added`` expire under ``rules`` (None: never)."""
    if not rules:
        return None
    if rules.get("period_type") == "FIXED_DAY_OF_YEAR":
        month, day = int(rules["fixed_month"]), int(rules["fixed_day"])
        this_year = date(added.year, month, min(day, calendar.monthrange(added.year, month)[1]))
        if this_year > added:
            return this_year
        return date(added.year + 1, month, min(day, calendar.monthrange(added.year + 1, month)[1]))
    target = _add_months(added, int(rules.get("period_value") or 1))
    rounding = rules.get("rounding_type")
    if rounding in ROUNDING_MONTHS:
        step = ROUNDING_MONTHS[rounding]
        return _month_end(target.year, -(-target.month // step) * step)
    if rounding == "PARTICULAR_MONTH":
        month = int(rules["rounding_value"])
        year = target.year if target.month <= month else target.year + 1
        return _month_end(year, month)
    return target


def bucket_for(card: LoyaltyCard, points: int, now: datetime, rules: Mapping[str, Any] | None) -> PointsBucket | None:
    """The bucket of ``points`` just added to the card, when its program's points expire (unsaved)."""
    expires = expires_on(rules, timezone.localdate(now, timezone.get_default_timezone()))
    if expires is None:
        return None
    return PointsBucket(card=card, campaign_id=card.campaign_id, points=points, remaining=points, expires_at=expires,
                        created_at=now, updated_at=now)  # fmt: skip


def consume(card: LoyaltyCard, points: int, now: datetime) -> None:
    """Takes ``points`` spent from the (locked) card's buckets, the soonest-expiring first (what the buckets
    do not hold comes from points that never expire)."""
    left = points
    for bucket in PointsBucket.objects.filter(card=card, status=BucketStatus.ACTIVE).order_by("expires_at", "id"):
        if left <= 0:
            break
        taken = min(left, bucket.remaining)
        bucket.remaining -= taken
        bucket.status = BucketStatus.USED if bucket.remaining == 0 else BucketStatus.ACTIVE
        bucket.updated_at = now
        bucket.save(update_fields=["remaining", "status", "updated_at"])
        left -= taken


def expire_points(*, today: date | None = None, batch: int = EXPIRATION_BATCH) -> int:
    """Expires what is left of every bucket due by ``today``; returns the cards whose points expired."""
    today = today or timezone.localdate()
    expire = _expire_batch_sql if connection.vendor == "postgresql" else _expire_batch_orm
    done = 0
    while True:
        with transaction.atomic():
            cards = expire(today, batch)
        done += cards
        if cards < batch:
            return done


def _expire_batch_orm(today: date, batch: int) -> int:
    """The same as the SQL below, row by row through the models (SQLite, the embedded default's small data)."""
    caller, now = Caller.system("points-expiration"), timezone.now()
    due = PointsBucket.objects.filter(status=BucketStatus.ACTIVE, expires_at__lte=today)
    card_ids = list(due.order_by("card_id").values_list("card_id", flat=True).distinct()[:batch])
    for card in LoyaltyCard.objects.select_for_update().select_related("voucher").filter(pk__in=card_ids):
        buckets = list(due.filter(card=card))
        points = sum(bucket.remaining for bucket in buckets)
        due.filter(pk__in=[b.pk for b in buckets]).update(status=BucketStatus.EXPIRED, remaining=0, updated_at=now)
        if points:
            card.expired_points += points
            card.balance -= points
            card.save(update_fields=["expired_points", "balance", "updated_at"])
            PointsTransaction.objects.create(card=card, campaign_id=card.campaign_id, type=PointsType.EXPIRATION,
                                             points=-points, balance=card.balance, total=card.points,
                                             reason=EXPIRED_REASON, source="SYSTEM", created_at=now)  # fmt: skip
            record_event("voucher.loyalty_card.points_expired", caller=caller, resource_type="voucher",
                         resource_id=card.pk, campaign_id=card.campaign_id, customer_id=card.voucher.holder_id or "",
                         data={"code": card.voucher.code, "points": -points, "balance": card.balance})  # fmt: skip
    return len(card_ids)


def _expire_batch_sql(today: date, batch: int) -> int:
    """One statement: lock up to ``batch`` cards with buckets due (skipping cards a call holds: the next run
    takes them), close their due buckets, take the points off, write the ledger rows and the events."""
    tables = {m.__name__: hotsql.table(m) for m in (LoyaltyCard, PointsBucket, PointsTransaction, Event, Voucher)}
    sql = f"""
    WITH due_cards AS (
        SELECT c."voucher_id" FROM {tables["LoyaltyCard"]} c
        WHERE c."voucher_id" IN (
            SELECT DISTINCT b."card_id" FROM {tables["PointsBucket"]} b
            WHERE b."status" = 'ACTIVE' AND b."expires_at" <= %(today)s ORDER BY b."card_id" LIMIT %(batch)s
        )
        FOR UPDATE OF c SKIP LOCKED
    ), due AS (
        SELECT b."id", b."card_id", b."remaining" FROM {tables["PointsBucket"]} b
        JOIN due_cards d ON d."voucher_id" = b."card_id"
        WHERE b."status" = 'ACTIVE' AND b."expires_at" <= %(today)s
        FOR UPDATE OF b
    ), closed AS (
        UPDATE {tables["PointsBucket"]} b SET "status" = 'EXPIRED', "remaining" = 0, "updated_at" = %(now)s
        FROM due WHERE b."id" = due."id"
    ), per_card AS (
        SELECT "card_id", SUM("remaining") AS "points" FROM due GROUP BY "card_id" HAVING SUM("remaining") > 0
    ), cards AS (
        UPDATE {tables["LoyaltyCard"]} c
        SET "expired_points" = c."expired_points" + p."points", "balance" = c."balance" - p."points",
            "updated_at" = %(now)s
        FROM per_card p WHERE c."voucher_id" = p."card_id"
        RETURNING c."voucher_id", c."campaign_id", c."balance", c."points", p."points" AS "expired"
    ), ledger AS (
        INSERT INTO {tables["PointsTransaction"]}
            ("id", "card_id", "campaign_id", "type", "points", "balance", "total", "reason", "source_id",
             "source", "related_transaction_id", "earning_rule_id", "order_id", "event", "redemption_id",
             "created_at")
        SELECT %(prefix)s || substr(md5(random()::text || cards."voucher_id"), 1, 10), cards."voucher_id",
               cards."campaign_id", 'POINTS_EXPIRATION', -cards."expired", cards."balance", cards."points",
               %(reason)s, '', 'SYSTEM', NULL, NULL, NULL, '', '', %(now)s
        FROM cards
        RETURNING "card_id", "campaign_id", "points", "balance"
    ), events AS (
        INSERT INTO {tables["Event"]}
            ("id", "type", "occurred_at", "channel_type", "channel_id", "user_id", "resource_type", "resource_id",
             "campaign_id", "customer_id", "data", "request_log_id")
        SELECT %(event_prefix)s || substr(md5(random()::text || ledger."card_id"), 1, 10),
               'voucher.loyalty_card.points_expired', %(now)s, 'USER', 'points-expiration', NULL, 'voucher',
               ledger."card_id", ledger."campaign_id", COALESCE(v."holder_id", ''),
               jsonb_build_object('code', v."code", 'points', ledger."points", 'balance', ledger."balance"), NULL
        FROM ledger JOIN {tables["Voucher"]} v ON v."id" = ledger."card_id"
    )
    SELECT COUNT(*) FROM due_cards
    """
    now = timezone.now()
    millis = f"{int(now.timestamp() * 1000):012x}"
    params = {"today": today, "batch": batch, "now": now, "prefix": f"vtx_{millis}", "event_prefix": f"evt_{millis}",
              "reason": EXPIRED_REASON}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
