"""Large demo loads on PostgreSQL through COPY: ``seed_demo --redemptions N`` with N > :data:`BULK_THRESHOLD`.

The small demo (:mod:`voucherhub.demo`) replays every call through model instances and ``bulk_create``, at
about 1 ms per redemption. This module produces the same kinds of rows, under the same bookkeeping rules,
as COPY text written straight from plain Python values, so that a million redemptions load in well under a
minute (SPEC section 7; ``bench/seed_speed.py`` measures it).

What one run (a *load*) makes, for N redemption rows:

- its own catalogue: the nine demo campaigns (three types) named ``"<name> · load <n>"``, their promotion
  tiers and rule assignments; N/20 vouchers (about 30 % gift cards; some not active yet, expired or
  disabled); N/10 customers with metadata. Categories, segments and validation rules are shared: taken
  by name if present, created otherwise.
- about 0.9 N calls over the last :data:`HISTORY_DAYS` days, replayed in time order against the vouchers'
  live state: single redemptions, stacked calls (a parent and one child per redeemable the stacking engine
  applied), failed attempts with every failure code, one order per call; rollbacks (a few %) and session
  releases happen later in the replay, as in life. Validations only for the last 30 days (older ones
  would have been purged); LOCK sessions of every status, the ACTIVE ones' locks mirrored on the vouchers.
  As the API does, an attempt whose order cannot be read (``invalid_order``, ``invalid_amount``,
  ``missing_amount``) keeps no order. Redemption metadata has three keys (store, platform, traffic source)
  of a handful of values each. No request logs or events (the small demo has them; at this volume they
  would double the load), so bulk rows have no ``request_log``.
- books that balance exactly as :mod:`voucherhub.demo` promises (``redeemed_quantity``, gift balances and
  their transactions, locks); vouchers are written last, with their final counters.

Running it again adds another load (new campaigns, vouchers, customers and orders; ids never collide), so
five runs of a million give five million. ``--reset`` is refused for large loads, and so is anything but
PostgreSQL: see :func:`seed_bulk`.

Speed: rows are generated in time-ordered chunks while a writer thread streams the previous chunk to the
server (one ``COPY ... FROM STDIN`` per table and chunk, pre-formatted text, which measured about 2x faster
than ``copy.write_row``), so Python and PostgreSQL each keep one core busy. Per-row foreign-key checks and
index maintenance cost far more than the COPY itself (about 75 % of an all-kept load), so while a table
holds at most four times the rows the load adds, the loader drops its secondary indexes and foreign keys
*inside the transaction* and recreates them from their own definitions (``pg_get_indexdef`` /
``pg_get_constraintdef``) before commit: a failed load rolls everything back, indexes included, and the
schema comes out as it went in. Larger tables keep them (see :class:`_TablePlan`). The transaction runs
with ``synchronous_commit = off``; the tables are ANALYZEd after commit.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignType,
    Customer,
    DiscountType,
    Effect,
    Order,
    OrderStatus,
    PromotionTier,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherTransaction,
    VoucherType,
)
from campaigns.serializers import discount_json
from demo import catalogue as demo
from demo.catalogue import ascii_name, rule_condition
from demo.users import DemoUser, ensure_demo_users
from redemptions.models import Redemption, Rollback, Validation
from redemptions.orders import OrderItemRequest, OrderRequest, parse_order
from sessions.models import ReleaseReason, SessionLock, SessionStatus, ValidationSession
from stacking import engine
from stacking.checks import FailureCode
from stacking.facts import category_facts, discount_facts, settings_facts
from stacking.models import Category, StackingRules
from stacking.serializers import category_json
from voucherhub.models import ChannelType

BULK_THRESHOLD = 20_000  # above this many redemptions (on PostgreSQL) seed_demo loads through COPY
HISTORY_DAYS = 365
CHUNK_CALLS = 20_000  # calls per chunk: one COPY per table and chunk
LOCK_KEY = 0x56480B01  # pg_advisory_xact_lock: one bulk load at a time
VALIDATIONS_KEPT_DAYS = Validation.RETENTION_DAYS

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
NULL = "\\N"


class BulkRefused(ValueError):
    """The bulk loader cannot do what was asked (not PostgreSQL, or --reset); the message says why."""


# --- the result ---------------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    load: int
    users: list[DemoUser]
    created: dict[str, int]
    seconds: float
    phases: dict[str, float]  # wall seconds of the load's consecutive steps
    python_seconds: float  # CPU seconds the generator took, within "generate+copy"
    copy_wait: float  # seconds the generator waited for the server, within "generate+copy"
    rebuilt: list[str] = field(default_factory=list)  # tables whose indexes and FKs were rebuilt

    @property
    def per_million(self) -> float:
        return self.seconds * 1_000_000 / max(1, self.created["redemptions"])

    @property
    def summary(self) -> str:
        parts = ", ".join(f"{count:,} {label}" for label, count in self.created.items())
        phases = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in self.phases.items())
        rebuilt = ", ".join(self.rebuilt) if self.rebuilt else "none (all kept)"
        return (
            f"Bulk load {self.load} created through COPY in {self.seconds:.1f} s "
            f"({self.per_million:.1f} s per million redemptions): {parts}.\n"
            f"Phases: {phases} (generating took {self.python_seconds:.1f} s of CPU while the server ran the "
            f"COPY alongside; the generator waited {self.copy_wait:.1f} s for it).\n"
            f"Secondary indexes and foreign keys dropped during the load and rebuilt before commit: {rebuilt}."
        )


# --- the service ----------------------------------------------------------------------------------------------


def seed_bulk(
    *,
    redemptions: int,
    seed: int = demo.DEFAULT_SEED,
    password: str | None = None,
    reset: bool = False,
    rebuild: str = "auto",
    now: datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> BulkResult:
    """Add one load of ``redemptions`` redemption rows (stacked parents included) and everything they
    refer to, in one transaction, and set the demo users' passwords as :func:`demo.seed_demo` does.

    Guarantees the books of :mod:`voucherhub.demo` for every row it writes. Holds a transaction-level
    advisory lock (one bulk load at a time) and, for tables it rebuilds, ACCESS EXCLUSIVE locks until
    commit: run it on a database nobody is writing to. ``rebuild``: ``auto`` (drop and recreate a table's
    secondary indexes and foreign keys while it is at most four times the load, :class:`_TablePlan`),
    ``always`` or ``never``. ANALYZEs the tables after commit.
    Raises :class:`BulkRefused` off PostgreSQL or with ``reset``.
    """
    if connection.vendor != "postgresql":
        raise BulkRefused(
            f"--redemptions above {BULK_THRESHOLD:,} loads through PostgreSQL's COPY; this database is "
            f"{connection.vendor}. Use PostgreSQL (DATABASE_URL=postgres://...) or at most {BULK_THRESHOLD:,}."
        )
    if reset:
        raise BulkRefused(
            f"--reset is for the small demo (at most {BULK_THRESHOLD:,} redemptions). A large load adds "
            "another batch on each run; to start over, use a fresh database (or `manage.py flush`)."
        )
    if rebuild not in ("auto", "always", "never"):
        raise ValueError(f"rebuild must be auto, always or never, not {rebuild!r}")
    say = log or (lambda message: None)
    started = time.perf_counter()
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            # The load is replayable from its seed; losing the last commit on a crash costs nothing.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        users = ensure_demo_users(password=password)
        operator = get_user_model().objects.get(username="admin")
        load = _next_load()
        now = now or timezone.now()
        catalogue = _Catalogue.create(load, now, random.Random(f"{seed}:{load}:catalogue"))
        builder = _Builder(
            target=redemptions,
            seed=seed,
            load=load,
            now=now,
            catalogue=catalogue,
            operator_id=operator.pk,
            settings=settings_facts(StackingRules.load()),
        )
        plan = _TablePlan(builder.estimates(), rebuild)
        plan.drop()
        phases["prepare"] = time.perf_counter() - mark
        say(f"load {load}: generating and copying {redemptions:,} redemptions ...")
        mark = time.perf_counter()
        with _CopyPipe(connection.connection) as pipe:
            builder.run(pipe)
        phases["generate+copy"] = time.perf_counter() - mark
        mark = time.perf_counter()
        plan.restore_indexes()
        phases["indexes"] = time.perf_counter() - mark
        mark = time.perf_counter()
        plan.restore_constraints()
        phases["foreign keys"] = time.perf_counter() - mark
        mark = time.perf_counter()
    phases["commit"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with connection.cursor() as cursor:
        for table in _COPY_TABLES:
            cursor.execute(f'ANALYZE "{table._meta.db_table}"')
    phases["analyze"] = time.perf_counter() - mark
    seconds = time.perf_counter() - started
    return BulkResult(
        load, users, builder.created(), seconds, phases, builder.python_seconds, pipe.waited, plan.rebuilt
    )


def _next_load() -> int:
    """1 + the highest load number present (campaign metadata ``bulk_load``)."""
    loads = Campaign.objects.filter(metadata__has_key="bulk_load").values_list("metadata__bulk_load", flat=True)
    return max((int(n) for n in loads), default=0) + 1


# --- COPY plumbing ----------------------------------------------------------------------------------------------


class _CopyPipe:
    """Streams ``(table, columns, text)`` chunks to the server from a writer thread, one COPY each.

    The generator (main thread) keeps producing the next chunk while the writer waits on the socket with
    the GIL released, so Python and PostgreSQL run in parallel. The connection is used by the writer only,
    and only while the pipe is open. A writer error is raised in the main thread at the next ``send`` or
    at ``close``; leaving the block on an exception stops the writer before the transaction rolls back.
    """

    def __init__(self, raw_connection) -> None:
        self.raw = raw_connection
        self.queue: queue.Queue = queue.Queue(maxsize=12)
        self.error: BaseException | None = None
        self.abort = False
        self.waited = 0.0  # main-thread seconds spent waiting for the server (backpressure, final drain)
        self.thread = threading.Thread(target=self._run, name="bulk-copy", daemon=True)

    def __enter__(self) -> _CopyPipe:
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(abort=exc_type is not None)

    def send(self, table: str, columns: str, text: str) -> None:
        if not text:
            return
        item = (table, columns, text)
        mark = time.perf_counter()
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(item, timeout=0.5)
                break
            except queue.Full:
                continue
        self.waited += time.perf_counter() - mark

    def close(self, *, abort: bool = False) -> None:
        mark = time.perf_counter()
        self.abort = abort
        if abort:
            try:
                while True:
                    self.queue.get_nowait()
            except queue.Empty:
                pass
        self.queue.put(None)
        self.thread.join()
        self.waited += time.perf_counter() - mark
        if self.error is not None and not abort:
            raise self.error

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while True:
                    item = self.queue.get()
                    if item is None or self.abort:
                        return
                    table, columns, text = item
                    with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                        copy.write(text)
        except BaseException as exc:  # handed to the main thread
            self.error = exc
            while self.queue.get() is not None:  # unblock the producer until it notices
                pass


class _TablePlan:
    """For each table a load writes: keep its secondary indexes and foreign keys during the COPY, or drop
    them inside the load's transaction and recreate them from their own definitions before commit.

    Measured on this machine for a load of 1M redemptions: with the indexes kept, the server spends
    about 40 us per loaded row maintaining them into empty tables and over 100 us once the tables hold a
    few million rows (the indexes outgrow the cache); rebuilding costs about 23 us per row of the whole
    table (parallel workers help). Deferred foreign-key checks cost about 25 us per loaded row,
    re-validating a constraint (one join) about 5 us per row of the table. So ``auto`` rebuilds a table
    while it holds at most :data:`REBUILD_FACTOR` times the rows the load adds: five loads of a million
    all rebuild. Primary keys and unique constraints always stay (foreign keys depend on them).
    """

    REBUILD_FACTOR = 4

    def __init__(self, estimates: dict[str, int], mode: str) -> None:
        self.estimates = estimates
        self.mode = mode
        self.rebuilt: list[str] = []
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            # ALTER TABLE refuses a table with deferred checks still queued (the catalogue's rows): run them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, new_rows in self.estimates.items():
                if self.mode == "never" or (
                    self.mode == "auto" and self._existing(cursor, table, new_rows) > self.REBUILD_FACTOR * new_rows
                ):
                    continue
                self.rebuilt.append(table)
                cursor.execute(
                    """
                    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
                    """,
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.constraints.append((table, name, definition))
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                cursor.execute(
                    """
                    SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
                    JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = %s::regclass
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                    ORDER BY i.relname
                    """,
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.indexes.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's INITIALLY DEFERRED for the load

    def _existing(self, cursor, table: str, new_rows: int) -> int:
        """The table's rows as the planner knows them (the previous load ANALYZEd it), else counted."""
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        existing = cursor.fetchone()[0]
        if existing < 0:  # never analyzed: count, but never further than the decision needs
            limit = self.REBUILD_FACTOR * new_rows + 1
            cursor.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT %s) AS s', [limit])
            existing = cursor.fetchone()[0]
        return existing

    def restore_indexes(self) -> None:
        with connection.cursor() as cursor:
            for definition in self.indexes:
                cursor.execute(definition)

    def restore_constraints(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the kept foreign keys' checks, as above
            for table, name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _esc(text: str) -> str:
    """A value for COPY's text format (backslash, tab and newlines escaped)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _json(value: object) -> str:
    return _esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))  # jsonb re-spaces it anyway


def _opt(value: object) -> str:
    return NULL if value is None else str(value)


class _Clock:
    """Epoch milliseconds as timestamptz text, fast: the hour's text is cached, minutes, seconds and
    milliseconds come from tables."""

    SECONDS = [f"{second // 60:02d}:{second % 60:02d}" for second in range(3600)]
    MILLIS = [f".{milli:03d}+00" for milli in range(1000)]

    def __init__(self) -> None:
        self.hours: dict[int, str] = {}
        self.last_ms = -1
        self.last = ""

    def __call__(self, ms: int) -> str:
        if ms == self.last_ms:  # an order and its redemptions share their time
            return self.last
        hour, rest = divmod(ms, HOUR_MS)
        prefix = self.hours.get(hour)
        if prefix is None:
            prefix = self.hours[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:")
        self.last_ms = ms
        self.last = prefix + self.SECONDS[rest // 1000] + self.MILLIS[rest % 1000]
        return self.last


def _columns(*names: str) -> str:
    return ", ".join(f'"{name}"' for name in names)


# The tables a load writes through COPY, with their columns in the order the builder writes them.
_COPY_TABLES = (Customer, Voucher, VoucherTransaction, Order, Redemption, Rollback, Validation)
_COPY_TABLES += (ValidationSession, SessionLock)
COLUMNS = {
    Customer: _columns("id", "source_id", "name", "email", "description", "metadata", "created_at", "updated_at"),
    Order: _columns(
        "id", "source_id", "status", "customer_id", "amount", "initial_amount", "discount_amount",
        "items_discount_amount", "total_discount_amount", "total_amount", "items", "metadata", "created_at",
        "updated_at",
    ),
    Redemption: _columns(
        "id", "created_at", "result", "status", "failure_code", "failure_message", "parent_id",
        "related_object_type", "voucher_id", "voucher_code", "promotion_tier_id", "campaign_id", "customer_id",
        "order_id", "order_amount", "discount_amount", "amount", "gift_amount", "metadata", "channel_type",
        "channel_id", "user_id", "tracking_id", "session_key",
    ),
    Rollback: _columns(
        "id", "redemption_id", "parent_id", "created_at", "result", "status", "reason", "failure_code",
        "failure_message", "amount", "channel_type", "channel_id", "user_id", "tracking_id", "metadata",
    ),
    Validation: _columns(
        "id", "created_at", "valid", "customer_id", "order_id", "order_amount", "discount_amount", "session_key",
        "redeemables", "applicable_count", "inapplicable_count", "skipped_count", "tracking_id", "metadata",
        "channel_type", "channel_id",
    ),
    ValidationSession: _columns(
        "key", "type", "ttl", "ttl_unit", "expires_at", "status", "release_reason", "released_at", "customer_id",
        "channel_type", "channel_id", "created_at", "updated_at",
    ),
    SessionLock: _columns("session_id", "voucher_id", "quantity", "credits", "created_at", "released_at"),
    VoucherTransaction: _columns(
        "id", "voucher_id", "source", "amount", "balance_after", "related_object_id", "reason", "created_at"
    ),
    Voucher: _columns(
        "id", "code", "campaign_id", "category_id", "type", "discount_type", "percent_off", "amount_off",
        "fixed_amount", "amount_limit", "discount_effect", "gift_amount", "gift_balance", "gift_effect", "active",
        "start_date", "expiration_date", "redemption_quantity", "redeemed_quantity", "redeemed_amount",
        "locked_quantity", "locked_credits", "holder_id", "metadata", "created_at", "updated_at",
    ),
}  # fmt: skip


# --- the catalogue: shared rows by name, then this load's campaigns and tiers (ORM; a few dozen rows) -----------


@dataclass(eq=False)
class _Camp:
    """A campaign of this load, with what the replay needs."""

    key: str
    spec: demo.CampaignSpec
    campaign: Campaign
    category: Category
    facts_category: engine.CategoryFacts
    category_json: dict
    start_ms: int | None
    end_ms: int | None
    rules: frozenset[str]  # the demo rule keys assigned to it
    tiers: list[tuple[PromotionTier, str | None]] = field(default_factory=list)  # (tier, rule key)
    vouchers: list[_V] = field(default_factory=list)
    pool: list[_V] = field(default_factory=list)  # vouchers that may be redeemable (checked when picked)

    def active_at(self, ms: int) -> bool:
        return (self.start_ms is None or ms >= self.start_ms) and (self.end_ms is None or ms <= self.end_ms)


@dataclass
class _Catalogue:
    load: int
    camps: dict[str, _Camp]

    @classmethod
    def create(cls, load: int, now: datetime, rng: random.Random) -> _Catalogue:
        categories = _shared_categories()
        rules = _shared_rules()
        camps: dict[str, _Camp] = {}
        for spec in demo.CAMPAIGNS:
            start = now + timedelta(days=spec.start) if spec.start is not None else None
            end = now + timedelta(days=spec.end) if spec.end is not None else None
            created = (start or now - timedelta(days=HISTORY_DAYS + 35)) - timedelta(days=3, hours=rng.uniform(0, 48))
            category = categories[spec.category]
            campaign = Campaign.objects.create(
                id=_id("camp_", created, rng),
                name=f"{spec.name} · load {load}",
                description=spec.description,
                campaign_type=spec.type,
                category=category,
                start_date=start,
                expiration_date=end,
                voucher_template=_voucher_template(spec),
                metadata={**spec.metadata, "bulk_load": load},
                created_at=created,
            )
            camp = _Camp(
                key=spec.key,
                spec=spec,
                campaign=campaign,
                category=category,
                facts_category=category_facts(category),
                category_json=category_json(category),
                start_ms=_ms(start) if start else None,
                end_ms=_ms(end) if end else None,
                rules=frozenset(spec.rules),
            )
            assignments = [
                ValidationRuleAssignment(id=_id("asgm_", created, rng), rule=rules[key], campaign=campaign)
                for key in spec.rules
            ]
            for position, tier_spec in enumerate(spec.tiers, start=1):
                tier = PromotionTier.objects.create(
                    id=_id("promo_", created, rng),
                    campaign=campaign,
                    name=tier_spec.name,
                    banner=tier_spec.name,
                    position=position,
                    category=category,
                    created_at=created,
                    **tier_spec.discount,
                )
                camp.tiers.append((tier, tier_spec.rule))
                if tier_spec.rule:
                    assignments.append(
                        ValidationRuleAssignment(
                            id=_id("asgm_", created, rng), rule=rules[tier_spec.rule], promotion_tier=tier
                        )
                    )
            ValidationRuleAssignment.objects.bulk_create(assignments)
            camps[spec.key] = camp
        return cls(load, camps)


def _shared_categories() -> dict[str, Category]:
    found = {c.name: c for c in Category.objects.filter(name__in=[s.name for s in demo.CATEGORIES])}
    for spec in demo.CATEGORIES:
        if spec.name not in found:
            found[spec.name] = Category.objects.create(
                name=spec.name,
                hierarchy=spec.hierarchy,
                stacking_rules_type=spec.eligibility,
                discount_calculation=spec.calculation,
            )
    return found


def _shared_rules() -> dict[str, ValidationRule]:
    """The demo's validation rules (and the segments they name), by name; created when missing."""
    segments = {}
    for spec in demo.SEGMENTS:
        segment = Segment.objects.filter(name=spec.name).first()
        if segment is None:
            segment = Segment.objects.create(name=spec.name, type=spec.type, filter=spec.filter)
        segments[spec.key] = segment
    rules = {}
    for spec in demo.RULES:
        rule = ValidationRule.objects.filter(name=spec.name).first()
        if rule is None:
            rule = ValidationRule.objects.create(
                name=spec.name,
                rules={"1": rule_condition(spec, segments), "logic": "1"},
                error_message=spec.error_message,
            )
        rules[spec.key] = rule
    return rules


def _voucher_template(spec: demo.CampaignSpec) -> dict:
    if spec.type == CampaignType.PROMOTION:
        return {}
    if spec.type == CampaignType.GIFT_VOUCHERS:
        body: dict = {"type": VoucherType.GIFT_VOUCHER, "gift": {"amount": spec.gift_amounts[0]}}
    else:
        body = {"type": VoucherType.DISCOUNT_VOUCHER, "discount": discount_json(_Discount(**spec.discounts[0]))}
    config = {"length": 8, "charset": demo.CODE_ALPHABET, "prefix": spec.prefix}
    return {**body, "redemption": {"quantity": spec.quantities[0]}, "code_config": config}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _id(prefix: str, moment: datetime | int, rng: random.Random) -> str:
    """An id of :mod:`voucherhub.ids`' shape (time part, then random), from the load's own RNG."""
    ms = moment if isinstance(moment, int) else _ms(moment)
    return f"{prefix}{ms:012x}{rng.getrandbits(40):010x}"


# --- the replay -----------------------------------------------------------------------------------------------


class _V:
    """A voucher of this load and its live state."""

    __slots__ = (
        "id", "code", "camp", "gift", "limit", "redeemed", "locked_q", "locked_c", "gift_amount", "balance",
        "spent", "created_ms", "start_ms", "end_ms", "disabled_ms", "holder", "updated_ms", "discount", "facts",
        "in_pool", "in_full", "special", "stem", "discounter",
    )  # fmt: skip

    def __init__(self) -> None:
        self.redeemed = self.locked_q = self.locked_c = self.spent = 0
        self.in_pool = self.in_full = False
        self.special = ""

    def has_room(self) -> bool:
        return self.limit is None or self.redeemed + self.locked_q < self.limit

    @property
    def available(self) -> int:
        return self.balance - self.locked_c


@dataclass(frozen=True)
class _Discount:
    """A discount of the demo catalogue, with the Discount columns (what the shared serializers read)."""

    discount_type: str
    percent_off: Decimal | None = None
    amount_off: int | None = None
    fixed_amount: int | None = None
    amount_limit: int | None = None
    discount_effect: str = Effect.APPLY_TO_ORDER


@dataclass(frozen=True)
class _Basket:
    items: str  # COPY-ready JSON
    amount: int
    sneakers: bool
    tails: tuple[str, ...] = ()  # the order row's items and metadata columns, one per payment method


@dataclass(frozen=True)
class _Channel:
    type: str
    id: str
    user: str  # user_id column text
    metadata: str  # COPY-ready JSON
    tail: str = field(init=False)  # the redemption columns metadata, channel_type, channel_id, user_id

    def __post_init__(self) -> None:
        object.__setattr__(self, "tail", f"{self.metadata}\t{self.type}\t{self.id}\t{self.user}")


class _Pick:
    """One redeemable of a call: a voucher or a promotion tier, and what the engine gave it."""

    __slots__ = ("camp", "voucher", "tier", "credits", "discount", "taken")

    def __init__(
        self, camp: _Camp, voucher: _V | None = None, tier: PromotionTier | None = None, credits: int | None = None
    ) -> None:
        self.camp = camp
        self.voucher = voucher
        self.tier = tier
        self.credits = credits  # gift credits requested
        self.discount = 0
        self.taken = 0  # gift credits taken


_REQUEST_ROLLBACK = 0
_RELEASE = 1
_DISCOUNT_KEYS = demo.DISCOUNT_KEYS
_GIFT_KEYS = demo.GIFT_KEYS
# An order the API cannot read is not stored: the attempt keeps no order and no order amount.
_ORDER_SHAPE_CODES = (FailureCode.INVALID_ORDER, FailureCode.INVALID_AMOUNT, FailureCode.MISSING_AMOUNT)
_FAILURE_LABELS = {code: _esc(code.label) for code in FailureCode}
_PAYMENTS = [_json({"payment": p}) for p in ("card", "card", "blik", "paypal", "transfer")]  # order metadata


class _Builder:
    """Generates one load's rows in time order and hands them to a :class:`_CopyPipe` chunk by chunk."""

    def __init__(
        self,
        *,
        target: int,
        seed: int,
        load: int,
        now: datetime,
        catalogue: _Catalogue,
        operator_id: int,
        settings: engine.StackingSettings,
    ) -> None:
        self.target = target
        self.rng = random.Random(f"{seed}:{load}")
        self.load = load
        self.now_ms = _ms(now)
        self.start_ms = self.now_ms - HISTORY_DAYS * DAY_MS
        self.span = self.now_ms - MINUTE_MS - self.start_ms  # calls happen up to a minute ago
        self.kept_ms = self.now_ms - VALIDATIONS_KEPT_DAYS * DAY_MS
        self.camps = catalogue.camps
        self.settings = settings
        self.ts = _Clock()
        self.tag = f"bulk{load:02d}"
        self.operator = _Channel(
            ChannelType.USER,
            "admin",
            str(operator_id),
            _json({"store": "customer service", "platform": "dashboard", "source": "support"}),
        )
        self.channels, self.channel_weights = self._channels()
        self.random = self.rng.random
        self.bits = self.rng.getrandbits
        self.all_keys = tuple(self.camps)
        bounds = {b for c in self.camps.values() for b in (c.start_ms, c.end_ms + 1 if c.end_ms else None) if b}
        self.bounds = sorted(bounds)  # campaigns start and end at these times; in between, the set is fixed
        self.camp_cache: dict[tuple, tuple[list[_Camp], list[int]]] = {}
        self.tier_stems = {
            tier.id: f"promotion_tier\t{NULL}\t\t{tier.id}\t{camp.campaign.id}"
            for camp in self.camps.values()
            for tier, _ in camp.tiers
        }
        self.redemption_count = 0
        self.redeemable_facts: dict[object, engine.RedeemableFacts] = {}
        self.stacks: dict[tuple, list[int | None]] = {}
        # What an order must hold for each campaign's or tier's order rules: (minimum amount, sneakers).
        self.needs = {camp.key: _need(camp.rules) for camp in self.camps.values()}
        self.needs.update(
            {tier.id: _need({rule} if rule else set()) for camp in self.camps.values() for tier, rule in camp.tiers}
        )
        self.heap: list[tuple[int, int, int, tuple]] = []
        self.seq = itertools.count()
        self.counts: dict[type, int] = dict.fromkeys(_COPY_TABLES, 0)  # rows handed to COPY
        self.rows: dict[type, list[str]] = {model: [] for model in _COPY_TABLES}
        self.order_rows = self.rows[Order]
        self.redemption_rows = self.rows[Redemption]
        self.order_seq = itertools.count(1)
        self.customers: list[tuple[str, str, str]] = []  # (id, source_id, tier)
        self.groups: dict[str, list[int]] = {tier: [] for tier in demo.TIERS}  # customer indexes by tier
        self.welcome_uses: dict[int, int] = {}
        self.welcome_users: list[int] = []
        self.full: list[_V] = []  # vouchers seen used up (may have room again: checked when picked)
        self.special: dict[str, list[tuple[int, _V]]] = {"not_active": [], "expired": [], "disabled": []}
        self.pending: list[_V] = []  # vouchers not created yet at the replay's time, newest first
        self.active_sessions: list[tuple] = []
        self.python_seconds = 0.0
        self.baskets = _Baskets(self.rng)
        self.facts: dict[_Discount, engine.DiscountFacts] = {}
        tiers = [tier for camp in self.camps.values() for tier, _ in camp.tiers]
        self.tier_facts = {tier.id: discount_facts(tier) for tier in tiers}
        # The single-redeemable discount of each tier (by id) and each distinct voucher discount (by facts).
        self.discounters: dict[object, Callable[[int], int]] = {
            tier.id: _discounter(self.tier_facts[tier.id]) for tier in tiers
        }

    # -- sizes ---------------------------------------------------------------------------------------------

    @property
    def n_customers(self) -> int:
        return max(200, self.target // 10)

    @property
    def n_vouchers(self) -> int:
        return max(300, self.target // 20)

    def estimates(self) -> dict[str, int]:
        """Rows per table this load will write (for :class:`_TablePlan`; rough is fine)."""
        n = self.target
        return {
            Customer._meta.db_table: self.n_customers,
            Voucher._meta.db_table: self.n_vouchers,
            VoucherTransaction._meta.db_table: n // 25,
            Order._meta.db_table: n * 9 // 10,
            Redemption._meta.db_table: n,
            Rollback._meta.db_table: n // 40,
            Validation._meta.db_table: n // 10,
            ValidationSession._meta.db_table: n // 90,
            SessionLock._meta.db_table: n // 90,
        }

    def created(self) -> dict[str, int]:
        counts = self.counts
        return {
            "redemptions": counts[Redemption],
            "campaigns": len(self.camps),
            "vouchers": counts[Voucher],
            "customers": counts[Customer],
            "orders": counts[Order],
            "rollbacks": counts[Rollback],
            "validations": counts[Validation],
            "sessions": counts[ValidationSession],
            "gift card transactions": counts[VoucherTransaction],
        }

    # -- the run ---------------------------------------------------------------------------------------------

    def run(self, pipe: _CopyPipe) -> None:
        clock = time.thread_time()
        self.pipe = pipe
        self.build_customers()
        self.flush()
        self.build_vouchers()
        calls = self.plan()
        debt = 0
        for done, (ms, kind, arg) in enumerate(calls, start=1):
            self.advance(ms)
            before = self.redemption_count
            if kind == "success":
                if debt >= 2 and arg is None:
                    self.stacked_call(ms, min(3, debt))
                    debt -= self.redemption_count - before - 1
                else:
                    self.success_call(ms, arg)
            elif kind == "stacked":
                self.stacked_call(ms, arg)
                debt += 1 + arg - (self.redemption_count - before)
            elif kind == "failure":
                self.failure_call(ms, arg)
            else:
                self.session_call(ms, arg)
            if done % CHUNK_CALLS == 0:
                self.flush()
        while self.redemption_count < self.target:  # what stacks left unused: unknown codes, last hour
            self.failure_call(self.now_ms - self.rng.randrange(MINUTE_MS, HOUR_MS), FailureCode.RESOURCE_NOT_FOUND)
        self.advance(self.now_ms)
        for session in self.active_sessions:
            self.write_session(*session)
        self.write_vouchers()
        self.flush()
        self.python_seconds = time.thread_time() - clock

    def flush(self) -> None:
        for model, lines in self.rows.items():
            if lines:
                self.counts[model] += len(lines)
                self.pipe.send(model._meta.db_table, COLUMNS[model], "".join(lines))
                lines.clear()

    def advance(self, ms: int) -> None:
        """Apply what happened up to ``ms``: vouchers issued, rollbacks, session releases."""
        pending = self.pending
        while pending and pending[-1].created_ms <= ms:
            voucher = pending.pop()
            if not voucher.special:
                voucher.in_pool = True
                voucher.camp.pool.append(voucher)
        heap = self.heap
        while heap and heap[0][0] <= ms:
            when, _, kind, payload = heapq.heappop(heap)
            if kind == _REQUEST_ROLLBACK:
                self.rollback(when, *payload)
            else:
                self.release(when, *payload)

    def plan(self) -> list[tuple[int, str, object]]:
        """Every call's time and kind, in time order; redemption rows add up to the target."""
        rng = self.rng
        calls: list[tuple[int, str, object]] = []
        rows = 0
        # Each failure code at least once in the last days, when every kind of voucher state exists.
        for code in FailureCode:
            calls.append((self.now_ms - rng.randrange(2 * HOUR_MS, 5 * DAY_MS), "failure", code))
            rows += 1
        codes, weights = list(demo.FAILURE_WEIGHTS), list(itertools.accumulate(demo.FAILURE_WEIGHTS.values()))
        random, append, when, target = rng.random, calls.append, self.call_time, self.target
        while rows < target:
            roll = random()
            if roll < 0.04 and target - rows >= 3:
                children = min(2 if random() < 0.67 else 3, target - rows - 1)
                append((when(), "stacked", children))
                rows += 1 + children
            elif roll < 0.26:
                append((when(), "failure", codes[bisect.bisect(weights, random() * weights[-1])]))
                rows += 1
            else:
                append((when(), "success", None))
                rows += 1
        # LOCK sessions that are not consumed by a redemption: expired, released by hand, and active now.
        for _ in range(max(12, self.target // 500)):
            calls.append((self.call_time(), "session", None))
        for _ in range(max(4, self.target // 2000)):
            calls.append((self.now_ms - rng.randrange(MINUTE_MS, 3 * DAY_MS), "session", SessionStatus.ACTIVE))
        calls.sort(key=itemgetter(0))
        return calls

    def call_time(self) -> int:
        """Busier lately: half even over the year, a third growing with time, the rest in the last month."""
        random = self.random
        roll = random()
        if roll < 0.5:
            return self.start_ms + int(self.span * random())
        if roll < 0.85:
            return self.start_ms + int(self.span * random() ** 0.5)
        return self.now_ms - MINUTE_MS - int(30 * DAY_MS * random())

    # -- customers and vouchers ----------------------------------------------------------------------------

    def build_customers(self) -> None:
        rng = self.rng
        ts = self.ts
        countries = list(demo.NAMES)
        country_weights = list(itertools.accumulate(demo.NAMES[c][0] for c in countries))
        tier_weights = list(itertools.accumulate(demo.TIER_WEIGHTS))
        emails = {}
        rows = self.rows[Customer]
        oldest = self.start_ms - 700 * DAY_MS
        for n in range(1, self.n_customers + 1):
            country = countries[bisect.bisect(country_weights, rng.random() * country_weights[-1])]
            _, language, firsts, lasts = demo.NAMES[country]
            first, last = rng.choice(firsts), rng.choice(lasts)
            tier = demo.TIERS[bisect.bisect(tier_weights, rng.random() * tier_weights[-1])]
            created = oldest + rng.randrange(660 * DAY_MS)
            key = (first, last)
            local = emails.get(key)
            if local is None:
                local = emails[key] = f"{ascii_name(first)}.{ascii_name(last)}"
            source = f"{self.tag}-cust-{n:07d}"
            customer_id = _id("cust_", created, rng)
            metadata = _json({"tier": tier, "country": country, "language": language, "newsletter": rng.random() < 0.6})
            stamp = ts(created)
            rows.append(
                f"{customer_id}\t{source}\t{_esc(first)} {_esc(last)}\t{local}{n}.{self.load}@example.com\t\t"
                f"{metadata}\t{stamp}\t{stamp}\n"
            )
            self.groups[tier].append(len(self.customers))
            self.customers.append((customer_id, source, tier))
        self.groups["vip"] = self.groups["gold"] + self.groups["platinum"]  # the gold segment's members
        self.groups["not vip"] = self.groups["bronze"] + self.groups["silver"]

    def build_vouchers(self) -> None:
        """N/20 vouchers over the discount and gift campaigns (by the demo's proportions), issued over
        each campaign's life; gift cards get their CREATION transaction."""
        rng = self.rng
        specs = [self.camps[key] for key in _DISCOUNT_KEYS + _GIFT_KEYS]
        base = sum(c.spec.vouchers for c in specs)
        made: list[_V] = []
        for camp in specs:
            spec = camp.spec
            count = max(12, round(self.n_vouchers * spec.vouchers / base))
            created0 = _ms(camp.campaign.created_at)
            last = min(camp.end_ms or self.now_ms, self.now_ms) - DAY_MS
            gift = spec.type == CampaignType.GIFT_VOUCHERS
            scramble = 1 + 2 * rng.randrange(1, 1 << 20)  # odd: a bijection on 0..32**6-1
            offset = rng.randrange(32**6)
            for index in range(count):
                v = _V()
                v.camp = camp
                v.gift = gift
                # Codes generated with the campaign, and more issued while it runs (gift cards are sold).
                if rng.random() < (0.3 if gift else 0.6) or last <= created0:
                    v.created_ms = created0 + rng.randrange(36 * HOUR_MS)
                else:
                    v.created_ms = created0 + rng.randrange(last - created0)
                v.id = _id("v_", v.created_ms, rng)
                v.code = spec.prefix + _code(self.load, (index * scramble + offset) % 32**6)
                v.stem = f"voucher\t{v.id}\t{v.code}\t{NULL}\t{camp.campaign.id}"
                v.start_ms = camp.start_ms
                v.end_ms = camp.end_ms
                v.disabled_ms = None
                v.updated_ms = v.created_ms
                v.holder = None
                v.limit = None if gift or index == 5 else rng.choice(spec.quantities)
                # The first codes of each campaign take the states failed attempts need; a few % more later.
                v.special = _FIRST_SPECIAL.get(index, "") if index <= 5 else _random_special(rng.random())
                self.make_special(v)
                if gift:
                    v.gift_amount = v.balance = rng.choice(spec.gift_amounts)
                    v.discount = None
                    v.facts = None
                    if rng.random() < 0.3:
                        v.holder = rng.randrange(len(self.customers))
                    self.transaction(v, "CREATION", v.gift_amount, v.created_ms, "", "Card issued")
                else:
                    v.gift_amount = v.balance = None
                    v.discount, v.facts = self.discount(rng.choice(spec.discounts))
                    v.discounter = self.discounters[v.facts]
                camp.vouchers.append(v)
                made.append(v)
        school = self.camps["school"]
        for v in school.vouchers:  # the campaign ended: each of its codes now answers "expired"
            if not v.special:
                self.special["expired"].append((school.end_ms + 1000, v))
        for entries in self.special.values():
            entries.sort(key=lambda entry: entry[0])
        made.sort(key=lambda v: v.created_ms, reverse=True)
        self.pending = made

    def make_special(self, v: _V) -> None:
        """Give a voucher the state that failed attempts need: not active yet, expired or disabled."""
        rng = self.rng
        valid_from = max(v.created_ms, v.start_ms or v.created_ms)
        latest = min(v.end_ms or self.now_ms, self.now_ms) - 6 * DAY_MS
        if v.special == "not_active":
            start = self.now_ms + rng.randrange(2 * DAY_MS, 30 * DAY_MS)
            if v.end_ms is not None and v.end_ms < start:
                v.special = ""
                return
            v.start_ms = start
            self.special["not_active"].append((v.created_ms, v))
        elif v.special == "expired":
            end = min(latest, valid_from + rng.randrange(DAY_MS, 120 * DAY_MS))
            if end <= valid_from + HOUR_MS:
                v.special = ""
                return
            v.end_ms = end
            self.special["expired"].append((end + 1000, v))
        elif v.special == "disabled":
            disabled = min(latest, valid_from + rng.randrange(DAY_MS, 60 * DAY_MS))
            if disabled <= valid_from:
                v.special = ""
                return
            v.disabled_ms = v.updated_ms = disabled
            self.special["disabled"].append((disabled, v))

    def discount(self, fields: dict) -> tuple[_Discount, engine.DiscountFacts]:
        """One shared discount object and its engine facts per distinct discount of the catalogue."""
        discount = _Discount(**fields)
        facts = self.facts.get(discount)
        if facts is None:
            facts = self.facts[discount] = discount_facts(discount)
            self.discounters[facts] = _discounter(facts)
        return discount, facts

    def write_vouchers(self) -> None:
        rows = self.rows[Voucher]
        ts = self.ts
        for camp in self.camps.values():
            category = camp.category.id
            campaign = camp.campaign.id
            metadata_cache: dict[str, str] = {}
            for v in camp.vouchers:
                batch = f"{camp.spec.prefix.rstrip('-')}-{datetime.fromtimestamp(v.created_ms / 1000, UTC):%Y%m}"
                metadata = metadata_cache.get(batch)
                if metadata is None:
                    metadata = metadata_cache[batch] = _json({"batch": batch, "bulk_load": self.load})
                if v.gift:
                    discount = f"\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{Effect.APPLY_TO_ORDER}"
                    gift = f"{v.gift_amount}\t{v.balance}\t{Effect.APPLY_TO_ORDER}"
                    kind = VoucherType.GIFT_VOUCHER
                else:
                    d = v.discount
                    discount = (
                        f"{d.discount_type}\t{_opt(d.percent_off)}\t{_opt(d.amount_off)}\t{_opt(d.fixed_amount)}\t"
                        f"{_opt(d.amount_limit)}\t{d.discount_effect}"
                    )
                    gift = f"{NULL}\t{NULL}\t"
                    kind = VoucherType.DISCOUNT_VOUCHER
                start = ts(v.start_ms) if v.start_ms is not None else NULL
                end = ts(v.end_ms) if v.end_ms is not None else NULL
                holder = self.customers[v.holder][0] if v.holder is not None else NULL
                active = "f" if v.disabled_ms is not None else "t"
                rows.append(
                    f"{v.id}\t{v.code}\t{campaign}\t{category}\t{kind}\t{discount}\t{gift}\t{active}\t{start}\t{end}\t"
                    f"{_opt(v.limit)}\t{v.redeemed}\t{v.spent}\t{v.locked_q}\t{v.locked_c}\t{holder}\t{metadata}\t"
                    f"{ts(v.created_ms)}\t{ts(v.updated_ms)}\n"
                )

    # -- picking -------------------------------------------------------------------------------------------

    def pick_camp(self, ms: int, keys: tuple[str, ...]) -> _Camp | None:
        """One of the campaigns ``keys`` running at ``ms``, by the demo's weights."""
        segment = (keys, bisect.bisect(self.bounds, ms))
        entry = self.camp_cache.get(segment)
        if entry is None:
            camps = [self.camps[key] for key in keys if self.camps[key].active_at(ms)]
            entry = self.camp_cache[segment] = (camps, list(itertools.accumulate(c.spec.weight for c in camps)))
        camps, weights = entry
        if not camps:
            return None
        return camps[bisect.bisect(weights, self.random() * weights[-1])]

    def pick_voucher(self, camp: _Camp, ms: int) -> _V | None:
        """A voucher of ``camp`` that can be redeemed at ``ms`` (room left, credits left), or None."""
        pool = camp.pool
        rng = self.rng
        for _ in range(6):
            if not pool:
                return None
            index = int(rng.random() * len(pool))
            v = pool[index]
            if v.has_room() and (not v.gift or v.available > 0):
                return v
            pool[index] = pool[-1]  # swap-remove: it comes back with a rollback or a released lock
            pool.pop()
            v.in_pool = False
            if not v.has_room() and not v.in_full:
                v.in_full = True
                self.full.append(v)
        return None

    def back_in_pool(self, v: _V) -> None:
        if not v.in_pool and not v.special and v.has_room() and (not v.gift or v.available > 0):
            v.in_pool = True
            v.camp.pool.append(v)

    def customer(self, group: str | None = None) -> int:
        """A customer index (of a tier or group of :attr:`groups`); some customers shop much more than others."""
        rng = self.rng
        if group is None:
            r = rng.random()
            return int(len(self.customers) * r * r)
        pool = self.groups[group]
        return pool[int(rng.random() * len(pool))] if pool else self.customer()

    def customer_for(self, camp: _Camp, v: _V | None, tier_rule: str | None = None) -> int | None:
        """A customer passing ``camp``'s customer rules, or None when none was found quickly."""
        if v is not None and v.holder is not None:
            return v.holder
        if "gold_segment" in camp.rules:
            return self.customer("vip")
        if tier_rule is not None:
            return self.customer(tier_rule.removeprefix("tier_"))
        if "once" in camp.rules:
            for _ in range(8):
                index = self.customer()
                if not self.welcome_uses.get(index):
                    return index
            return None
        return self.customer()

    def basket_for(self, picks: Iterable[_Pick]) -> _Basket:
        """A basket meeting the order rules of every pick (minimum amount, a product in it)."""
        minimum, sneakers = 0, False
        for pick in picks:
            need = self.needs[pick.tier.id if pick.tier is not None else pick.camp.key]
            minimum, sneakers = max(minimum, need[0]), sneakers or need[1]
        return self.baskets.pick(minimum=minimum, sneakers=sneakers)

    def api_channel(self) -> _Channel:
        weights = self.channel_weights
        return self.channels[bisect.bisect(weights, self.rng.random() * weights[-1])]

    def _channels(self) -> tuple[list[_Channel], list[int]]:
        """API channels: the demo's keys, each call with one of a handful of traffic sources."""
        sources = (("search", 35), ("direct", 25), ("newsletter", 20), ("social", 12), ("affiliate", 8))
        channels, weights = [], []
        for name, weight, _, _, metadata in demo.API_CHANNELS:
            platforms = ("android", "ios") if name == "Mobile app" else (metadata["platform"],)
            for platform in platforms:
                for source, share in sources if metadata["platform"] != "pos" else (("in-store", 100),):
                    body = {**metadata, "platform": platform, "source": source}
                    channels.append(_Channel(ChannelType.API, name, NULL, _json(body)))
                    weights.append(weight * share / len(platforms))
        return channels, list(itertools.accumulate(weights))

    # -- rows ------------------------------------------------------------------------------------------------

    def new_order(
        self,
        ms: int,
        customer: int | None,
        basket: _Basket,
        created_ms: int | None = None,
        status: str = OrderStatus.CREATED,
        discount: int = 0,
        updated_ms: int | None = None,
    ) -> tuple[str, int]:
        """Write an order; returns its id and amount."""
        created = created_ms or ms
        order_id = f"ord_{created:012x}{self.bits(40):010x}"
        amount = basket.amount
        customer_id = self.customers[customer][0] if customer is not None else NULL
        ts = self.ts
        self.order_rows.append(
            f"{order_id}\t{self.tag}-ord-{next(self.order_seq):08d}\t{status}\t{customer_id}\t{amount}\t{amount}\t"
            f"{discount}\t0\t{discount}\t{amount - discount}\t{basket.tails[int(self.random() * 5)]}\t"
            f"{ts(created)}\t{ts(updated_ms or ms)}\n"
        )
        return order_id, amount

    def transaction(self, v: _V, source: str, amount: int, ms: int, related: str, reason: str) -> None:
        balance = v.balance if source != "CREATION" else amount
        self.rows[VoucherTransaction].append(
            f"{_id('vtx_', ms, self.rng)}\t{v.id}\t{source}\t{amount}\t{balance}\t{related}\t{_esc(reason)}\t"
            f"{self.ts(ms)}\n"
        )

    def redemption_row(
        self,
        redemption_id: str,
        ms: int,
        status: str,
        parent: str,
        pick: _Pick | None,
        customer: int | None,
        order_id: str,
        order_amount: int | None,
        discount: int,
        amount: int,
        gift: int,
        channel: _Channel,
        session: str = "",
        failure: FailureCode | None = None,
        code: str = "",
        kind: str = "voucher",
    ) -> None:
        if pick is None:
            stem = f"{kind}\t{NULL}\t{code}\t{NULL}\t{NULL}"
        elif pick.voucher is not None:
            stem = pick.voucher.stem
        else:
            stem = self.tier_stems[pick.tier.id]
        if customer is not None:
            customer_id, tracking, _ = self.customers[customer]
        else:
            customer_id, tracking = NULL, f"track_{ms:012x}{self.bits(40):010x}"
        if failure is None:
            head = f"SUCCESS\t{status}\t\t"
        else:
            head = f"FAILURE\t{status}\t{failure.value}\t{_FAILURE_LABELS[failure]}"
        self.redemption_rows.append(
            f"{redemption_id}\t{self.ts(ms)}\t{head}\t{parent}\t{stem}\t{customer_id}\t{order_id}\t"
            f"{NULL if order_amount is None else order_amount}\t{discount}\t{amount}\t{gift}\t{channel.tail}\t"
            f"{tracking}\t{session}\n"
        )
        self.redemption_count += 1

    # -- successful calls ------------------------------------------------------------------------------------

    def success_call(self, ms: int, _: object = None) -> None:
        """A call with one redeemable that works at ``ms``; when none is found, the customer's attempt is
        stored as the failure it would be."""
        rng = self.rng
        for _attempt in range(4):
            camp = self.pick_camp(ms, self.all_keys)
            if camp is None:
                continue
            if camp.tiers:
                tier, rule = camp.tiers[int(rng.random() * len(camp.tiers))]
                pick = _Pick(camp, tier=tier)
                customer = self.customer_for(camp, None, rule if rule and rule.startswith("tier_") else None)
            else:
                v = self.pick_voucher(camp, ms)
                if v is None:
                    continue
                pick = _Pick(camp, voucher=v)
                customer = self.customer_for(camp, v)
            if customer is None:
                continue
            self.redeem(ms, [pick], customer, self.operator if rng.random() < 0.04 else self.api_channel())
            return
        self.failure_call(ms, FailureCode.QUANTITY_EXCEEDED)

    def stacked_call(self, ms: int, children: int) -> None:
        """Several redeemables in one call, as the stacking engine applies them: a discount code, the
        customer's loyalty tier, free delivery, sometimes a gift card. Falls back to a single call."""
        rng = self.rng
        customer = self.customer()
        tier = self.customers[customer][2]
        picks: list[_Pick] = []
        keys = tuple(key for key in _DISCOUNT_KEYS if self.may_use(key, customer))
        camp = self.pick_camp(ms, keys)
        v = self.pick_voucher(camp, ms) if camp is not None else None
        if v is not None:
            picks.append(_Pick(camp, voucher=v))
        loyalty = self.camps["loyalty"]
        if tier != "bronze" and loyalty.active_at(ms):
            picks.append(_Pick(loyalty, tier=next(t for t, rule in loyalty.tiers if rule == f"tier_{tier}")))
        delivery = self.camps["delivery"]
        if delivery.active_at(ms) and (len(picks) < children or rng.random() < 0.5):
            picks.append(_Pick(delivery, tier=delivery.tiers[0][0]))
        if len(picks) < children or rng.random() < 0.4:
            camp = self.pick_camp(ms, _GIFT_KEYS)
            v = self.pick_voucher(camp, ms) if camp is not None else None
            if v is not None:
                picks.append(_Pick(camp, voucher=v))
        picks = picks[:children]
        if len(picks) < 2:
            self.success_call(ms)
            return
        self.redeem(ms, picks, customer, self.api_channel())

    def may_use(self, key: str, customer: int) -> bool:
        """Whether ``customer`` passes the customer rules of campaign ``key`` (order rules: the basket)."""
        rules = self.camps[key].rules
        if "gold_segment" in rules and self.customers[customer][2] not in ("gold", "platinum"):
            return False
        return not ("once" in rules and self.welcome_uses.get(customer))

    def redeem(self, ms: int, picks: list[_Pick], customer: int, channel: _Channel) -> None:
        """Evaluate, then write the order, the redemption(s), the gift transactions, maybe the validation and
        LOCK session that came first, and schedule the rollback of a few."""
        rng = self.rng
        basket = self.basket_for(picks)
        amount = basket.amount
        for pick in picks:
            if pick.voucher is not None and pick.voucher.gift:
                wanted = amount // 3 + int(rng.random() * (amount - amount // 3)) + 1
                pick.credits = max(1, min(pick.voucher.available, wanted))
        applied = self.evaluate(picks, amount)
        if not applied:
            self.failure_call(ms, FailureCode.RESOURCE_NOT_FOUND)
            return
        stacked = len(applied) > 1
        first = applied[0]
        discount = sum(p.discount + p.taken for p in applied) if stacked else first.discount + first.taken
        api = channel.type == "API"
        random = rng.random
        validated = ms - MINUTE_MS - int(random() * 19 * MINUTE_MS)
        session = ""
        if api and random() < 0.03:
            vouchers = [p for p in applied if p.voucher is not None]
            if vouchers and all(p.voucher.limit is None for p in vouchers):
                session = self.redeemed_session(validated, ms, channel, customer, vouchers)
        with_validation = bool(session) or (api and validated >= self.kept_ms and random() < 0.5)
        rollback_ms = None
        if random() < 0.03:
            when = ms + 10 * MINUTE_MS + int(random() * 20 * DAY_MS)
            if when < self.now_ms - MINUTE_MS:
                rollback_ms = when
        status = "ROLLED_BACK" if rollback_ms else "SUCCEEDED"
        order_id, _ = self.new_order(
            ms,
            customer,
            basket,
            validated if with_validation else ms,
            "CANCELED" if rollback_ms else "PAID",
            discount,
            rollback_ms or ms,
        )
        if with_validation and validated >= self.kept_ms:
            self.valid_validation(validated, channel, customer, order_id, amount, applied, session)
        parent = NULL
        made: list[tuple[_Pick, str]] = []
        if stacked:
            parent = f"r_{ms:012x}{self.bits(40):010x}"
            discounts = sum(p.discount for p in applied)
            self.redemption_row(
                parent, ms, status, NULL, None, customer, order_id, amount, discounts, discount, discount - discounts,
                channel, session, kind="redemption",
            )  # fmt: skip
        bits = self.bits
        for pick in applied:
            redemption_id = f"r_{ms:012x}{bits(40):010x}"
            taken = pick.taken
            self.redemption_row(
                redemption_id,
                ms,
                status,
                parent,
                pick,
                customer,
                order_id,
                amount,
                pick.discount,
                taken if pick.credits is not None else pick.discount,
                taken,
                channel,
                session,
            )
            self.take(pick, redemption_id, ms, customer)
            made.append((pick, redemption_id))
        if rollback_ms:
            payload = (parent, made, customer)
            heapq.heappush(self.heap, (rollback_ms, next(self.seq), _REQUEST_ROLLBACK, payload))

    def evaluate(self, picks: list[_Pick], amount: int) -> list[_Pick]:
        """The engine's amounts for each pick; returns the applied ones (request order)."""
        if len(picks) == 1:  # the engine's rules 6 and 7 for one redeemable, without its bookkeeping
            pick = picks[0]
            if pick.credits is not None:
                pick.taken = min(pick.credits, amount)
            else:
                discounter = pick.voucher.discounter if pick.voucher is not None else self.discounters[pick.tier.id]
                pick.discount = discounter(amount)
            return picks
        # Gift cards are applied after every discount (engine rule 3), so neither their status nor the
        # discounts depend on the credits asked: the engine runs with 0 credits (memoized by the stack's
        # shape and amount) and each card then takes min(credits, what is left), as rule 7 does.
        facts = tuple(self.stack_facts(pick) for pick in picks)
        key = (tuple(map(id, facts)), amount)
        outcome = self.stacks.get(key)
        if outcome is None:
            if len(self.stacks) > 200_000:
                self.stacks.clear()
            result = engine.evaluate_stack(self.settings, facts, engine.OrderFacts(amount=amount))
            outcome = self.stacks[key] = [
                res.discount_amount if res.status == engine.Status.APPLICABLE else None for res in result.results
            ]
        applied = [pick for pick, discount in zip(picks, outcome, strict=True) if discount is not None]
        remaining = amount
        for pick, discount in zip(picks, outcome, strict=True):
            if discount is not None and pick.credits is None:
                pick.discount = discount
                remaining -= discount
        for pick in applied:
            if pick.credits is not None:
                pick.taken = min(pick.credits, remaining)
                remaining -= pick.taken
        return applied

    def stack_facts(self, pick: _Pick) -> engine.RedeemableFacts:
        """The engine's facts for a pick, one shared object per kind (discount and category; gift card)."""
        if pick.tier is not None:
            key: object = pick.tier.id
        elif pick.credits is not None:
            key = pick.camp.key
        else:
            key = (pick.voucher.facts, pick.camp.key)
        facts = self.redeemable_facts.get(key)
        if facts is None:
            facts = self.redeemable_facts[key] = engine.RedeemableFacts(
                object="voucher" if pick.tier is None else "promotion_tier",
                id=f"stack-{len(self.redeemable_facts)}",
                category=pick.camp.facts_category,
                discount=self.tier_facts[pick.tier.id] if pick.tier is not None else pick.voucher.facts,
                gift_credits=0 if pick.credits is not None else None,
            )
        return facts

    def take(self, pick: _Pick, redemption_id: str, ms: int, customer: int) -> None:
        """The voucher side of a success (quantity, balance and its transaction, once-per-customer use)."""
        if "once" in pick.camp.rules and pick.tier is None:
            uses = self.welcome_uses.get(customer, 0)
            self.welcome_uses[customer] = uses + 1
            if not uses:
                self.welcome_users.append(customer)
        v = pick.voucher
        if v is None:
            return
        v.redeemed += 1
        v.updated_ms = max(v.updated_ms, ms)
        if v.gift and pick.taken:
            v.balance -= pick.taken
            v.spent += pick.taken
            self.transaction(v, "REDEMPTION", -pick.taken, ms, redemption_id, "Redemption")

    def rollback(self, ms: int, parent: str, made: list[tuple[_Pick, str]], customer: int) -> None:
        """Roll a call back: one rollback per redemption (the parent's first), quantities and balances
        restored; sometimes the client retries later and is refused."""
        rng = self.rng
        channel = self.operator if rng.random() < 0.4 else self.api_channel()
        text = rng.choice(demo.ROLLBACK_REASONS)
        reason = _esc(text)
        tracking = self.customers[customer][1]
        rows = self.rows[Rollback]
        stamp = self.ts(ms)
        parent_rollback = NULL
        if parent != NULL:
            parent_rollback = _id("rr_", ms, rng)
            credits = sum(pick.taken for pick, _ in made)
            rows.append(
                f"{parent_rollback}\t{parent}\t{NULL}\t{stamp}\tSUCCESS\tSUCCEEDED\t{reason}\t\t\t{-credits}\t"
                f"{channel.type}\t{channel.id}\t{channel.user}\t{tracking}\t{{}}\n"
            )
        for pick, redemption_id in made:
            rollback_id = _id("rr_", ms, rng)
            v = pick.voucher
            credits = pick.taken if v is not None and v.gift else 0
            rows.append(
                f"{rollback_id}\t{redemption_id}\t{parent_rollback}\t{stamp}\tSUCCESS\tSUCCEEDED\t{reason}\t\t\t"
                f"{-credits}\t{channel.type}\t{channel.id}\t{channel.user}\t{tracking}\t{{}}\n"
            )
            if "once" in pick.camp.rules and pick.tier is None:
                self.welcome_uses[customer] -= 1
            if v is None:
                continue
            v.redeemed -= 1
            v.updated_ms = max(v.updated_ms, ms)
            if credits:
                v.balance += credits
                v.spent -= credits
                self.transaction(v, "ROLLBACK", credits, ms, rollback_id, text)
            self.back_in_pool(v)
        retry = ms + rng.randrange(2 * MINUTE_MS, 600 * MINUTE_MS)
        if rng.random() < 0.1 and retry < self.now_ms:
            target = parent if parent != NULL else made[0][1]
            api = self.api_channel()
            rows.append(
                f"{_id('rrf_', retry, rng)}\t{target}\t{NULL}\t{self.ts(retry)}\tFAILURE\tFAILED\tRetry\t"
                f"already_rolled_back\tRedemption has already been rolled back\t0\t{api.type}\t{api.id}\t{NULL}\t"
                f"{tracking}\t{{}}\n"
            )

    # -- validations and sessions -------------------------------------------------------------------------

    def valid_validation(
        self,
        ms: int,
        channel: _Channel,
        customer: int,
        order_id: str,
        amount: int,
        applied: list[_Pick],
        session: str,
    ) -> None:
        remaining = amount
        items = []
        for pick in applied:
            remaining -= pick.discount + pick.taken
            item = self.redeemable_json(pick, "APPLICABLE")
            if pick.credits is not None:
                item["result"] = {"gift": {"balance": pick.voucher.available, "credits": pick.taken}}
            else:
                item["result"] = {"discount": discount_json(pick.tier or pick.voucher.discount)}
            item["order"] = {"amount": amount, "total_discount_amount": amount - remaining, "total_amount": remaining}
            items.append(item)
        discount = amount - remaining
        self.validation_row(ms, True, customer, order_id, amount, discount, session, items, len(items), 0, channel)

    def invalid_validation(
        self, ms: int, channel: _Channel, customer: int | None, order_id: str, amount: int | None, pick: _Pick | None,
        code: FailureCode, unknown: str,
    ) -> None:  # fmt: skip
        if pick is not None:
            item = self.redeemable_json(pick, "INAPPLICABLE")
        else:
            item = {"status": "INAPPLICABLE", "id": unknown, "object": "voucher"}
        not_found = code == FailureCode.RESOURCE_NOT_FOUND
        error = {"code": 404 if not_found else 400, "key": code.error_key, "message": code.label}
        item["result"] = {"error": error, "details": {"key": code.error_key, "message": code.label}}
        self.validation_row(ms, False, customer, order_id, amount, 0, "", [item], 0, 1, channel)

    def redeemable_json(self, pick: _Pick, status: str) -> dict:
        camp = pick.camp
        item: dict = {
            "status": status,
            "id": pick.voucher.code if pick.voucher is not None else pick.tier.id,
            "object": "voucher" if pick.tier is None else "promotion_tier",
            "campaign_id": camp.campaign.id,
            "campaign_name": camp.campaign.name,
            "categories": [camp.category_json],
        }
        if pick.tier is not None:
            item["name"] = pick.tier.name
        return item

    def validation_row(
        self, ms: int, valid: bool, customer: int | None, order_id: str, amount: int | None, discount: int,
        session: str, items: list[dict], applicable: int, inapplicable: int, channel: _Channel,
    ) -> None:  # fmt: skip
        tracking = self.customers[customer][1] if customer is not None else _id("track_", ms, self.rng)
        customer_id = self.customers[customer][0] if customer is not None else NULL
        self.rows[Validation].append(
            f"{_id('valid_', ms, self.rng)}\t{self.ts(ms)}\t{'t' if valid else 'f'}\t{customer_id}\t{order_id}\t"
            f"{_opt(amount)}\t{discount}\t{session}\t{_json(items)}\t{applicable}\t{inapplicable}\t0\t{tracking}\t"
            f"{{}}\t{channel.type}\t{channel.id}\n"
        )

    def redeemed_session(self, opened: int, ms: int, channel: _Channel, customer: int, picks: list[_Pick]) -> str:
        """The LOCK session of a validate-then-redeem flow, consumed by the redemption at ``ms``."""
        key = _id("ssn_", opened, self.rng)
        self.session_row(key, opened, channel, customer, SessionStatus.RELEASED, ReleaseReason.REDEEMED, ms)
        for pick in picks:
            self.lock_row(key, pick.voucher, pick.taken, opened, ms)
        return key

    def session_call(self, ms: int, outcome: str | None) -> None:
        """A validation that opens a LOCK session on one voucher, which then expires, is released by hand,
        or (``ACTIVE``) still holds its lock now. The lock counts against the voucher meanwhile."""
        rng = self.rng
        camp = self.pick_camp(ms, ("welcome", "vip", "school", "bundle") + _GIFT_KEYS)
        v = self.pick_voucher(camp, ms) if camp is not None else None
        if v is None:
            return
        customer = self.customer_for(camp, v)
        if customer is None:
            return
        channel = self.api_channel()
        pick = _Pick(camp, voucher=v)
        basket = self.basket_for([pick])
        if v.gift:
            pick.credits = max(1, min(v.available, rng.randint(max(1, basket.amount // 3), basket.amount)))
        self.evaluate([pick], basket.amount)
        expires = ms + 7 * DAY_MS
        if outcome is None:
            if expires <= self.now_ms:
                outcome = ReleaseReason.EXPIRED if rng.random() < 0.65 else rng.choice(_BY_HAND)
            else:
                outcome = rng.choice(_BY_HAND)
        key = _id("ssn_", ms, rng)
        order_id, _ = self.new_order(ms, customer, basket)
        v.locked_q += 1
        v.locked_c += pick.taken
        v.updated_ms = max(v.updated_ms, ms)
        if ms >= self.kept_ms:
            self.valid_validation(ms, channel, customer, order_id, basket.amount, [pick], key)
        session = (key, ms, channel, customer, v, pick.taken)
        if outcome == SessionStatus.ACTIVE:
            self.active_sessions.append((*session, None, None))
            return
        if outcome == ReleaseReason.EXPIRED:
            when = expires
        else:
            when = ms + rng.randrange(max(1, min(expires, self.now_ms - 1000) - ms))
        heapq.heappush(self.heap, (when, next(self.seq), _RELEASE, (*session, outcome)))

    def release(self, ms: int, key, opened, channel, customer, v: _V, credits: int, reason: str) -> None:
        v.locked_q -= 1
        v.locked_c -= credits
        v.updated_ms = max(v.updated_ms, ms)
        self.back_in_pool(v)
        self.write_session(key, opened, channel, customer, v, credits, reason, ms)

    def write_session(self, key, opened, channel, customer, v: _V, credits: int, reason, released) -> None:
        status = (
            SessionStatus.ACTIVE
            if reason is None
            else SessionStatus.EXPIRED
            if reason == ReleaseReason.EXPIRED
            else SessionStatus.RELEASED
        )
        self.session_row(key, opened, channel, customer, status, reason or "", released)
        self.lock_row(key, v, credits, opened, released)

    def session_row(self, key, opened, channel, customer, status, reason, released) -> None:
        self.rows[ValidationSession].append(
            f"{key}\tLOCK\t7\tDAYS\t{self.ts(opened + 7 * DAY_MS)}\t{status}\t{reason}\t"
            f"{self.ts(released) if released else NULL}\t{self.customers[customer][0]}\t{channel.type}\t"
            f"{channel.id}\t{self.ts(opened)}\t{self.ts(released or opened)}\n"
        )

    def lock_row(self, key: str, v: _V, credits: int, opened: int, released: int | None) -> None:
        self.rows[SessionLock].append(
            f"{key}\t{v.id}\t1\t{credits}\t{self.ts(opened)}\t{self.ts(released) if released else NULL}\n"
        )

    # -- failed calls ----------------------------------------------------------------------------------------

    def failure_call(self, ms: int, code: FailureCode) -> None:
        """An attempt failing with ``code`` as the engine would check it at ``ms`` (own checks in order,
        then rules, then the order's shape); when no redeemable is in that state, an unknown code."""
        rng = self.rng
        customer = self.customer()
        basket = None
        pick = None
        if code in (FailureCode.VOUCHER_NOT_ACTIVE, FailureCode.VOUCHER_EXPIRED, FailureCode.VOUCHER_DISABLED):
            entries = self.special[{"voucher_not_active": "not_active", "voucher_expired": "expired"}.get(
                code.value, "disabled")]  # fmt: skip
            eligible = bisect.bisect(entries, ms, key=lambda entry: entry[0])
            for _ in range(5 if eligible else 0):
                v = entries[rng.randrange(eligible)][1]
                if self.own_failure(v, ms) == code:
                    pick = _Pick(v.camp, voucher=v)
                    break
        elif code == FailureCode.QUANTITY_EXCEEDED:
            for _ in range(8 if self.full else 0):
                v = self.full[int(rng.random() * len(self.full))]
                if self.own_failure(v, ms) == code:
                    pick = _Pick(v.camp, voucher=v)
                    break
        elif code == FailureCode.GIFT_AMOUNT_EXCEEDED:
            camp = self.pick_camp(ms, _GIFT_KEYS)
            v = self.pick_voucher(camp, ms) if camp is not None else None
            if v is not None:
                pick = _Pick(camp, voucher=v, credits=v.available + rng.randint(500, 5_000))
                basket = self.baskets.pick(minimum=pick.credits)
        elif code == FailureCode.ORDER_RULES_VIOLATED:
            camp = self.pick_camp(ms, ("bf", "bundle", "delivery"))
            if camp is not None and camp.tiers:
                pick = _Pick(camp, tier=camp.tiers[0][0])
                basket = self.baskets.pick(below=20_000)
            elif camp is not None:
                v = self.pick_voucher(camp, ms)
                if v is not None:
                    pick = _Pick(camp, voucher=v)
                    basket = (
                        self.baskets.pick(below=10_000) if camp.key == "bf" else self.baskets.pick(no_sneakers=True)
                    )
                    customer = self.customer_for(camp, v) if "once" not in camp.rules else customer
        elif code == FailureCode.CUSTOMER_RULES_VIOLATED:
            camp = self.pick_camp(ms, ("vip", "loyalty"))
            if camp is not None and camp.tiers:
                tier, rule = camp.tiers[rng.randrange(len(camp.tiers))]
                pick = _Pick(camp, tier=tier)
                others = [t for t in demo.TIERS if f"tier_{t}" != rule]
                customer = self.customer(rng.choice(others))
            elif camp is not None:
                v = self.pick_voucher(camp, ms)
                if v is not None:
                    pick = _Pick(camp, voucher=v)
                    customer = self.customer("not vip")
        elif code in (FailureCode.REDEMPTION_RULES_VIOLATED, FailureCode.MISSING_CUSTOMER):
            camp = self.camps["welcome"]
            v = self.pick_voucher(camp, ms) if camp.active_at(ms) else None
            if v is not None and code == FailureCode.MISSING_CUSTOMER:
                pick, customer = _Pick(camp, voucher=v), None
            elif v is not None and self.welcome_users:
                for _ in range(5):
                    candidate = self.welcome_users[rng.randrange(len(self.welcome_users))]
                    if self.welcome_uses.get(candidate):
                        pick, customer = _Pick(camp, voucher=v), candidate
                        break
        elif code == FailureCode.MISSING_ORDER_ITEMS:
            camp = self.camps["bundle"]
            v = self.pick_voucher(camp, ms) if camp.active_at(ms) else None
            if v is not None:
                pick = _Pick(camp, voucher=v)
                basket = _Basket("[]", rng.choice((9_900, 15_000, 24_900)), False, tuple(f"[]\t{p}" for p in _PAYMENTS))
        elif code in _ORDER_SHAPE_CODES or code == FailureCode.INVALID_PAYLOAD:
            camp = self.pick_camp(ms, ("school", "vip", "summer", "corp"))
            v = self.pick_voucher(camp, ms) if camp is not None else None
            if v is not None:
                pick = _Pick(camp, voucher=v)
                customer = self.customer_for(camp, v)
        if pick is None and code != FailureCode.RESOURCE_NOT_FOUND:
            code = FailureCode.RESOURCE_NOT_FOUND
        if code == FailureCode.MISSING_CUSTOMER:
            customer = None
        elif customer is None:
            customer = self.customer()
        if code in _ORDER_SHAPE_CODES:
            order_id, order_amount = NULL, None
        else:
            basket = basket or (self.basket_for([pick]) if pick is not None else self.baskets.pick())
            order_id, order_amount = self.new_order(ms, customer, basket)
        unknown = rng.choice(demo.UNKNOWN_CODES) if pick is None else ""
        channel = self.api_channel()
        failure_id = f"rf_{ms:012x}{self.bits(40):010x}"
        self.redemption_row(
            failure_id, ms, "FAILED", NULL, pick, customer, order_id, order_amount, 0, 0, 0, channel, "", code, unknown
        )
        validated = ms - MINUTE_MS - int(rng.random() * 9 * MINUTE_MS)
        if validated >= self.kept_ms and rng.random() < 0.3:
            self.invalid_validation(validated, channel, customer, order_id, order_amount, pick, code, unknown)

    def own_failure(self, v: _V, ms: int) -> FailureCode | None:
        """The first own check ``v`` fails at ``ms``, in the engine's order (SPEC section 3)."""
        if v.start_ms is not None and ms < v.start_ms:
            return FailureCode.VOUCHER_NOT_ACTIVE
        if v.end_ms is not None and ms > v.end_ms:
            return FailureCode.VOUCHER_EXPIRED
        if v.disabled_ms is not None and ms >= v.disabled_ms:
            return FailureCode.VOUCHER_DISABLED
        if ms < v.created_ms:
            return None  # not issued yet: not a candidate
        if not v.has_room():
            return FailureCode.QUANTITY_EXCEEDED
        return None


_BY_HAND = (ReleaseReason.MANUAL, ReleaseReason.API)
_FIRST_SPECIAL = {0: "not_active", 1: "expired", 2: "disabled"}


def _random_special(roll: float) -> str:
    return "not_active" if roll < 0.01 else "expired" if roll < 0.04 else "disabled" if roll < 0.07 else ""


def _discounter(facts: engine.DiscountFacts) -> Callable[[int], int]:
    """The engine's discount (rule 6) for a redeemable applied alone (base = remaining = the order amount).

    Whole percentages take integer arithmetic, which rounds half-up exactly as ``engine.percent_of``.
    """
    limit = facts.amount_limit if facts.amount_limit is not None else 1 << 62
    if facts.type == DiscountType.PERCENT:
        percent = facts.percent_off
        if percent == int(percent):
            whole = int(percent)
            return lambda amount: min((amount * whole + 50) // 100, limit, amount)
        return lambda amount: min(engine.percent_of(amount, percent), limit, amount)
    if facts.type == DiscountType.AMOUNT:
        off = facts.amount_off
        return lambda amount: min(off, amount)
    fixed = facts.fixed_amount
    return lambda amount: max(amount - fixed, 0)


def _need(rules: Iterable[str]) -> tuple[int, bool]:
    minimum = max([10_000 * ("min_100" in rules), 20_000 * ("min_200" in rules)])
    return minimum, "sneakers" in rules


def _code(load: int, number: int) -> str:
    """Two characters for the load, six for the number: unique per campaign prefix across loads, and a
    length (8) the small demo's codes (6) never have."""
    alphabet = demo.CODE_ALPHABET
    chars = []
    for _ in range(6):
        number, digit = divmod(number, 32)
        chars.append(alphabet[digit])
    return alphabet[(load // 32) % 32] + alphabet[load % 32] + "".join(chars)


class _Baskets:
    """Pre-built orders (COPY-ready items JSON and amount), picked by the rules an order must meet.

    Each line is what a shop sends (a product, its quantity and price) as ``redemptions.orders.parse_order``
    stores it, so the rows are the engine's own shape; the rules engine matches products on these lines.
    """

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random
        baskets: list[_Basket] = []
        for _ in range(3000):
            chosen = rng.sample(demo.PRODUCTS, rng.choice((1, 1, 1, 2, 2, 3)))
            baskets.append(self.make([(p, rng.choice((1, 1, 1, 2))) for p in chosen]))
        sneakers = demo.PRODUCTS[0]
        for accessory in demo.ACCESSORIES:
            baskets.append(self.make([(sneakers, 1), (accessory, 1)]))
        for product in demo.PRODUCTS[1:]:
            baskets.append(self.make([(product, 1)]))
        self.all = baskets
        self.by_minimum = {m: [b for b in baskets if b.amount >= m] for m in (0, 10_000, 20_000)}
        self.sneakers = [b for b in baskets if b.sneakers and b.amount >= 10_000]
        self.below = {m: [b for b in baskets if b.amount < m and not b.sneakers] for m in (10_000, 20_000)}
        self.no_sneakers = [b for b in baskets if not b.sneakers]
        self.cache: dict[int, list[_Basket]] = {}

    @staticmethod
    def make(lines: list[tuple[tuple[str, str, str, int], int]]) -> _Basket:
        sent = tuple(
            OrderItemRequest(related_object="product", source_id=source, quantity=quantity, price=price)
            for (source, _, _, price), quantity in lines
        )
        order = parse_order(OrderRequest(items=sent))
        assert order.failure is None and order.amount is not None, order.failure
        sneakers = any(product[0] == "prod-sneakers" for product, _ in lines)
        items = _json(order.items)
        return _Basket(items, order.amount, sneakers, tuple(f"{items}\t{payment}" for payment in _PAYMENTS))

    def pick(
        self, *, minimum: int = 0, sneakers: bool = False, below: int | None = None, no_sneakers: bool = False
    ) -> _Basket:
        if below is not None:
            pool = self.below[below]
        elif no_sneakers:
            pool = self.no_sneakers
        elif sneakers:
            pool = self.sneakers
        elif minimum in self.by_minimum:
            pool = self.by_minimum[minimum]
        else:
            bucket = -(-minimum // 5_000) * 5_000  # a few dozen pools at most
            pool = self.cache.get(bucket)
            if pool is None:
                pool = self.cache[bucket] = [b for b in self.all if b.amount >= bucket] or [self.big(bucket)]
        return pool[int(self.random() * len(pool))]

    def big(self, minimum: int) -> _Basket:
        jacket = demo.PRODUCTS[1]
        return self.make([(jacket, minimum // jacket[3] + 1)])
