"""One bulk load: a template made by the demo generator, copied by the server until the load holds N redemptions.

What a load of N redemptions makes: one template of T redemptions (:func:`demo.bulk.template.make_template`,
T close to :data:`TEMPLATE_REDEMPTIONS`) and ``copies - 1`` copies of its history, where
``copies = ceil(N / TEMPLATE_REDEMPTIONS)`` and ``T = ceil(N / copies)``: the load holds ``copies * T``
redemptions, N rounded up to a multiple of ``copies`` (at most ``copies - 1`` more). Every decision in a copy
(which check fails, what the engine discounts, the JSON stored) is the template's, made by the product.

Time: the template covers the demo's last :data:`SPAN` days; copy ``j`` is moved back by
``j * (365 days - SPAN) / (copies - 1)``, so together they cover the last year and nothing is in the future.
The load's campaigns start that much earlier, so that no copy precedes its campaign. A copy keeps only the
validations still within the retention period; its sessions are the template's as the product's own sweeper
leaves them (:func:`demo.bulk.template.stage`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import Campaign, PromotionTier
from demo.bulk import clone
from demo.bulk.tables import TablePlan
from demo.bulk.template import CLONED, LOAD_KEY, SPAN, make_template, stage
from demo.catalogue import DEFAULT_SEED, MIN_REDEMPTIONS
from demo.loader import COUNTED
from demo.users import DemoUser, ensure_demo_users
from redemptions.models import Validation

BULK_THRESHOLD = 20_000  # above this many redemptions (on PostgreSQL) seed_demo makes a bulk load
TEMPLATE_REDEMPTIONS = 1_000  # the template's size: a copy's worth of history (made at ~9 ms a redemption)
HISTORY_DAYS = 365
LOCK_KEY = 0x56480B01  # pg_advisory_xact_lock: one bulk load at a time


class BulkRefused(ValueError):
    """The bulk loader cannot do what was asked (not PostgreSQL, or --reset); the message says why."""


@dataclass
class BulkResult:
    load: int
    users: list[DemoUser]
    created: dict[str, int]
    seconds: float
    phases: dict[str, float]  # wall seconds of the load's consecutive steps
    copies: int = 1
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
            f"Bulk load {self.load} created in {self.seconds:.1f} s "
            f"({self.per_million:.1f} s per million redemptions): {parts}; the template and "
            f"{self.copies - 1:,} copies of it.\n"
            f"Phases: {phases}.\n"
            f"Secondary indexes and foreign keys dropped during the load and rebuilt before commit: {rebuilt}."
        )


def seed_bulk(
    *,
    redemptions: int,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    reset: bool = False,
    rebuild: str = "auto",
    now: datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> BulkResult:
    """Add one load of about ``redemptions`` redemption rows (see the module) in one transaction, and set
    the demo users' passwords. Holds a transaction-level advisory lock (one bulk load at a time) and, for
    tables it rebuilds (``rebuild``: auto, always or never, :class:`TablePlan`), ACCESS EXCLUSIVE locks
    until commit. ``VACUUM (ANALYZE)`` of the loaded tables after commit (``ANALYZE`` when called inside an
    outer transaction). Raises :class:`BulkRefused` off PostgreSQL or with ``reset``."""
    _refuse(reset, rebuild)
    say = log or (lambda message: None)
    started = mark = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(label: str) -> None:
        nonlocal mark
        phases[label] = time.perf_counter() - mark
        mark = time.perf_counter()

    now = now or timezone.now()
    copies = max(1, math.ceil(redemptions / TEMPLATE_REDEMPTIONS))
    size = max(MIN_REDEMPTIONS, math.ceil(redemptions / copies))
    with transaction.atomic():
        _settings()
        users = ensure_demo_users(password=password)
        load = _next_load()
        rng = random.Random(f"{seed}:{load}")
        template = make_template(redemptions=size, rng=rng, load=load, now=now)
        phase("template")
        shifts = _shifts(copies, stage(template, now))
        plan = TablePlan({m._meta.db_table: len(template.ids[m]) * (copies - 1) for m in CLONED}, rebuild)
        plan.drop()
        with connection.cursor() as cursor:
            clone.prepare(cursor, load, shifts)
        phase("prepare")
        say(f"load {load}: a template of {size:,} redemptions, {copies - 1:,} copies ...")
        written = clone.copy_all(now - timedelta(days=Validation.RETENTION_DAYS))
        phase("copy")
        plan.restore_indexes()
        phase("indexes")
        plan.restore_constraints()
        phase("foreign keys")
        _widen_campaigns(template.campaigns, shifts[-1] if shifts else 0)
    phase("commit")
    _vacuum()
    phase("vacuum")
    created = {label: len(template.ids[m]) + written[m] for label, m in COUNTED if m in written}
    created = {"campaigns": len(template.campaigns), **created}
    seconds = time.perf_counter() - started
    return BulkResult(load, users, created, seconds, phases, copies, plan.rebuilt)


def _refuse(reset: bool, rebuild: str) -> None:
    if connection.vendor != "postgresql":
        raise BulkRefused(
            f"--redemptions above {BULK_THRESHOLD:,} is a bulk load that PostgreSQL makes itself; this database is "
            f"{connection.vendor}. Use PostgreSQL (DATABASE_URL=postgres://...) or at most {BULK_THRESHOLD:,}."
        )
    if reset:
        raise BulkRefused(
            f"--reset is for the small demo (at most {BULK_THRESHOLD:,} redemptions). A large load adds "
            "another batch on each run; to start over, use a fresh database (or `manage.py flush`)."
        )
    if rebuild not in ("auto", "always", "never"):
        raise ValueError(f"rebuild must be auto, always or never, not {rebuild!r}")


def _settings() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # The load is replayable from its seed; losing the last commit on a crash costs nothing.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '64MB'")


def _next_load() -> int:
    """1 + the highest load number present (campaign metadata :data:`LOAD_KEY`)."""
    loads = Campaign.objects.filter(metadata__has_key=LOAD_KEY).values_list(f"metadata__{LOAD_KEY}", flat=True)
    return max((int(n) for n in loads), default=0) + 1


def _shifts(copies: int, least: int) -> list[int]:
    """Seconds each copy after the template is moved back: evenly from ``least`` up to 365 days minus the
    template's span."""
    room = (timedelta(days=HISTORY_DAYS) - SPAN).total_seconds() - least
    return [least + int(room * (j - 1) / max(1, copies - 2)) for j in range(1, copies)]


def _widen_campaigns(campaigns: list[str], seconds: int) -> None:
    """The load's campaigns and tiers start ``seconds`` earlier, as early as the oldest copy needs."""
    earlier = timedelta(seconds=seconds)
    for model, key in ((Campaign, "pk__in"), (PromotionTier, "campaign_id__in")):
        model.objects.filter(**{key: campaigns}).exclude(start_date=None).update(start_date=F("start_date") - earlier)


def _vacuum() -> None:
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in CLONED:
            cursor.execute(f'{statement} "{model._meta.db_table}"')
