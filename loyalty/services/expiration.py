"""Points that expire: a program's ``voucher.loyalty_card.expiration_rules`` say when points added to its
cards expire (``MONTH``: so many months after they were added, optionally rounded to the end of a month,
quarter, half year, year or a particular month; ``FIXED_DAY_OF_YEAR``: the next such day). Each addition is a
PointsBucket; spending takes from the soonest-expiring buckets first (under the card's row lock); the beat
task (:func:`expire_points`) expires what is left of the buckets due, in sets: one statement a batch of
cards on PostgreSQL locks the cards (skipping any a call holds), deletes their buckets due (a bucket spent
or expired is gone; the ledger keeps the history), takes the points off
the cards and writes one POINTS_EXPIRATION ledger row and one ``voucher.loyalty_card.points_expired`` event
per card (and a tier event for a member whose points fall out of their tier, services/tiers.py).
Idempotent: a bucket expires once, whenever and however often the task runs.
"""

import calendar
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from auditlog import outbox
from auditlog.models import Event
from auditlog.services import record_event
from campaigns.models import Campaign, Voucher
from voucherhub import hotsql
from voucherhub.caller import Caller

from ..models import BucketStatus, LedgerSource, LoyaltyCard, LoyaltyTier, PointsBucket, PointsTransaction, PointsType
from .tiers import TIER_DOWNGRADED, TIER_JOINED, TIER_LEFT, TIER_UPGRADED, tier_move

EXPIRATION_BATCH = 20_000  # cards a statement of the beat task expires
WORKERS = 2  # connections expiring side by side on PostgreSQL
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
        left -= taken
        if taken == bucket.remaining:
            bucket.delete()  # spent: nothing of it left to expire
            continue
        bucket.remaining -= taken
        bucket.updated_at = now
        bucket.save(update_fields=["remaining", "updated_at"])


def expire_points(*, today: date | None = None, batch: int = EXPIRATION_BATCH, workers: int = WORKERS) -> int:
    """Expires what is left of every bucket due by ``today``; returns the cards whose points expired. On
    PostgreSQL ``workers`` connections run batches side by side (each skips the cards the others hold)."""
    today = today or timezone.localdate()
    if connection.vendor != "postgresql" or workers <= 1:
        return _expire_all(today, batch)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        shares = [(share, workers) for share in range(workers)]  # each its own cards: hash of the id
        return sum(pool.map(lambda part: _in_own_connection(_expire_all, today, batch, part), shares))


def _in_own_connection(run, *args):
    try:
        return run(*args)
    finally:
        connection.close()  # the thread's own connection


def _expire_all(today: date, batch: int, part: tuple[int, int] = (0, 1)) -> int:
    """Batches until one comes short (the cards a call held are left for the next run)."""
    done = 0
    while True:
        with transaction.atomic():
            cards = (
                _expire_batch_sql(today, batch, part)
                if connection.vendor == "postgresql"
                else _expire_batch_orm(today, batch)
            )
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
        due.filter(pk__in=[b.pk for b in buckets]).delete()
        if points:
            card.expired_points += points
            card.balance -= points
            card.save(update_fields=["expired_points", "balance", "updated_at"])
            PointsTransaction.objects.create(card=card, campaign_id=card.campaign_id, type=PointsType.EXPIRATION,
                                             points=-points, balance=card.balance, total=card.points,
                                             reason=EXPIRED_REASON, source=LedgerSource.SYSTEM,
                                             created_at=now)  # fmt: skip
            record_event("voucher.loyalty_card.points_expired", caller=caller, resource_type="voucher",
                         resource_id=card.pk, campaign_id=card.campaign_id, customer_id=card.voucher.holder_id or "",
                         data={"code": card.voucher.code, "points": -points, "balance": card.balance})  # fmt: skip
            if (move := tier_move(LoyaltyTier.objects.filter(campaign_id=card.campaign_id).order_by("points_from"),
                                  card.balance + points, card.balance)) is not None:  # fmt: skip
                record_event(move[0], caller=caller, resource_type="voucher", resource_id=card.pk,
                             campaign_id=card.campaign_id, customer_id=card.voucher.holder_id or "",
                             data={"code": card.voucher.code, "balance": card.balance, **move[1]})  # fmt: skip
    return len(card_ids)


def _expire_batch_sql(today: date, batch: int, part: tuple[int, int] = (0, 1)) -> int:
    """One statement: lock up to ``batch`` cards with buckets due (skipping cards a call holds: the next run
    takes them), close their due buckets, take the points off, write the ledger rows and the events."""
    sql, params = expiration_statement(today, batch, part)
    with connection.cursor() as cursor:
        # A batch lost to a crash before its commit reached the disk is simply run again (idempotent).
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def expiration_statement(today: date, batch: int, part: tuple[int, int] = (0, 1)) -> tuple[str, dict]:
    """The statement of :func:`_expire_batch_sql` and its parameters (the bench explains it)."""
    models = (LoyaltyCard, PointsBucket, PointsTransaction, Event, Voucher, LoyaltyTier)
    tables = {m.__name__: hotsql.table(m) for m in models}
    sql = f"""
    WITH due_cards AS (
        SELECT c."voucher_id" FROM {tables["LoyaltyCard"]} c
        WHERE c."voucher_id" IN (
            SELECT b."card_id" FROM {tables["PointsBucket"]} b
            WHERE b."status" = 'ACTIVE' AND b."expires_at" <= %(today)s
              AND abs(hashtext(b."card_id")) %% %(parts)s = %(part)s
            LIMIT %(batch)s
        )
        FOR UPDATE OF c SKIP LOCKED
    ), due AS (
        DELETE FROM {tables["PointsBucket"]} b USING due_cards d
        WHERE d."voucher_id" = b."card_id" AND b."status" = 'ACTIVE' AND b."expires_at" <= %(today)s
        RETURNING b."card_id", b."remaining"
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
               %(reason)s, '', %(source)s, NULL, NULL, NULL, '', '', %(now)s
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
        RETURNING "id", "type", "occurred_at"
    ){outbox.written_by_statement("events", ("voucher.loyalty_card.points_expired",))}{_tier_events(tables)}
    SELECT COUNT(*) FROM due_cards
    """
    now = timezone.now()
    millis = f"{int(now.timestamp() * 1000):012x}"
    params = {
        "today": today,
        "batch": batch,
        "part": part[0],
        "parts": part[1],
        "now": now,
        "prefix": f"vtx_{millis}",
        "event_prefix": f"evt_{millis}",
        "reason": EXPIRED_REASON,
        "source": LedgerSource.SYSTEM,
        "joined": TIER_JOINED,
        "left": TIER_LEFT,
        "upgraded": TIER_UPGRADED,
        "downgraded": TIER_DOWNGRADED,
    }
    return sql, params


def _tier_events(tables: dict[str, str]) -> str:
    """The statement's last steps: each card whose points fell out of its tier (its balance before, the
    expired points added back, and after, each against the program's tiers), and its tier event
    (services/tiers.py: tier_move, in SQL)."""
    return f"""
    , moves AS (
        SELECT cards."voucher_id", cards."campaign_id", cards."balance", was."id" AS "was_id",
               was."name" AS "was_name", was."points_from" AS "was_from", now_in."id" AS "now_id",
               now_in."name" AS "now_name", now_in."points_from" AS "now_from"
        FROM cards
        LEFT JOIN {tables["LoyaltyTier"]} was ON was."campaign_id" = cards."campaign_id"
             AND was."points_from" <= cards."balance" + cards."expired"
             AND (was."points_to" IS NULL OR cards."balance" + cards."expired" <= was."points_to")
        LEFT JOIN {tables["LoyaltyTier"]} now_in ON now_in."campaign_id" = cards."campaign_id"
             AND now_in."points_from" <= cards."balance"
             AND (now_in."points_to" IS NULL OR cards."balance" <= now_in."points_to")
        WHERE was."id" IS DISTINCT FROM now_in."id"
    ), tier_events AS (
        INSERT INTO {tables["Event"]}
            ("id", "type", "occurred_at", "channel_type", "channel_id", "user_id", "resource_type", "resource_id",
             "campaign_id", "customer_id", "data", "request_log_id")
        SELECT %(event_prefix)s || substr(md5(random()::text || m."voucher_id" || 'tier'), 1, 10),
               CASE WHEN m."now_id" IS NULL THEN %(left)s WHEN m."was_id" IS NULL THEN %(joined)s
                    WHEN m."now_from" > m."was_from" THEN %(upgraded)s ELSE %(downgraded)s END,
               %(now)s, 'USER', 'points-expiration', NULL, 'voucher', m."voucher_id", m."campaign_id",
               COALESCE(v."holder_id", ''),
               jsonb_build_object('code', v."code", 'balance', m."balance", 'tier_id', m."now_id",
                                  'tier', m."now_name", 'previous_tier_id', m."was_id",
                                  'previous_tier', m."was_name"), NULL
        FROM moves m JOIN {tables["Voucher"]} v ON v."id" = m."voucher_id"
    )"""
