"""The template a bulk load replicates: one small demo, made by the demo generator in the load's transaction.

:func:`make_template` runs :func:`demo.loader.replay` (the product's services under a moved clock) in a
:class:`~demo.catalogue.Namespace` of the load's own; what the replicator needs back is a :class:`Template`:
the primary keys of the rows to clone, by model. Everything else the generator wrote (campaigns, tiers,
rules, segments, request logs, events) stays as it is, once, and the clones point at it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models, transaction
from django.db.models import Max

from campaigns.models import (
    Customer,
    Order,
    Segment,
    ValidationRuleAssignment,
    Voucher,
    VoucherTransaction,
)
from demo.catalogue import HISTORY, Namespace
from demo.loader import DemoRows, quiet_queries, replay
from loyalty.models import LoyaltyCard, PendingPoints, PointsBucket, PointsTransaction
from redemptions.models import Redemption, Rollback, Validation
from referrals.models import CodeHolder, Referral, ReferralReward, Referrer
from sessions.models import SessionLock, SessionStatus, ValidationSession
from sessions.services import expire_sessions
from stacking.services import held_for_load

# The rows each clone repeats, in the order they are written (foreign keys are deferred anyway).
CLONED: tuple[type[models.Model], ...] = (
    Customer,
    Segment.customers.through,
    Voucher,
    ValidationRuleAssignment,
    VoucherTransaction,
    Order,
    LoyaltyCard,
    PointsTransaction,
    PointsBucket,
    PendingPoints,
    Referral,
    Referrer,
    ReferralReward,
    CodeHolder,
    ValidationSession,
    SessionLock,
    Validation,
    Redemption,
    Rollback,
)
SPAN = HISTORY  # how far back the template's history reaches
LOAD_KEY = "bulk_load"  # the campaign metadata key that holds a load's number


@dataclass
class Template:
    """What the replicator needs: the primary keys of the rows to clone, and the load's campaigns."""

    ids: dict[type[models.Model], list]
    campaigns: list[str]


def load_names(load: int) -> Namespace:
    """Load ``n``'s campaigns, rules and segments are named ``"<name> · load <n>"``, its customers' and
    orders' source ids start ``bulk<n>-`` and its campaigns carry ``{LOAD_KEY: n}``."""
    return Namespace(source_prefix=f"bulk{load}-", suffix=f" · load {load}", metadata={LOAD_KEY: load})


def make_template(*, redemptions: int, rng: random.Random, load: int, now: datetime) -> Template:
    """Run the demo generator for ``redemptions`` rows in load ``load``'s namespace (the caller holds the
    transaction) and collect what it wrote."""
    names = load_names(load)
    with held_for_load(), quiet_queries():
        replay(redemptions, rng.randrange(2**32), now, names)
    rows = DemoRows.of(names)
    # A copy of a loyalty card is a card of the copied member in the same program, with its points' history.
    vouchers = rows.vouchers.values("pk")
    cards = LoyaltyCard.objects.filter(voucher__in=vouchers)
    sessions = rows.sessions.values("pk")
    selected = {
        Customer: rows.customers,
        Segment.customers.through: Segment.customers.through.objects.filter(customer__in=rows.customers),
        Voucher: rows.vouchers,
        ValidationRuleAssignment: ValidationRuleAssignment.objects.filter(voucher__in=vouchers),
        VoucherTransaction: VoucherTransaction.objects.filter(voucher__in=vouchers),
        Order: rows.orders,
        LoyaltyCard: cards,
        PointsTransaction: PointsTransaction.objects.filter(card__in=cards),
        PointsBucket: PointsBucket.objects.filter(card__in=cards),
        PendingPoints: PendingPoints.objects.filter(card__in=cards),
        # A copy's referrals are between the copy's customers, in the same program, with its rewards.
        Referral: Referral.objects.filter(campaign__in=rows.campaigns),
        Referrer: Referrer.objects.filter(campaign__in=rows.campaigns),
        ReferralReward: ReferralReward.objects.filter(campaign__in=rows.campaigns),
        CodeHolder: CodeHolder.objects.filter(voucher__in=vouchers),
        ValidationSession: rows.sessions,
        SessionLock: SessionLock.objects.filter(session__in=sessions),
        Validation: rows.validations,
        Redemption: rows.redemptions,
        Rollback: rows.rollbacks,
    }
    ids = {model: list(selected[model].order_by("pk").values_list("pk", flat=True)) for model in CLONED}
    return Template(ids, list(rows.campaigns.values_list("pk", flat=True)))


def staged(model: type[models.Model]) -> str:
    """The temporary table that holds ``model``'s template rows as the copies show them."""
    return f"_tpl_{model._meta.db_table}"


def stage(template: Template, now: datetime) -> int:
    """Put the template's rows, as every copy shows them, into the :func:`staged` tables, and return how many
    seconds after ``now`` that state is.

    A copy is moved back in time, so its sessions that are ACTIVE in the template have expired by now: the
    product's sweeper (:func:`sessions.services.expire_sessions`) runs, in a savepoint that is then rolled
    back, as soon as the last of them has expired; the rows are read in that state. Copies are moved back at
    least that far, so that their release times are in the past too.
    """
    active = ValidationSession.objects.filter(pk__in=template.ids[ValidationSession], status=SessionStatus.ACTIVE)
    latest = active.aggregate(latest=Max("expires_at"))["latest"]
    sweep_at = max(now, latest or now) + timedelta(seconds=1)
    with connection.connection.cursor() as cursor:
        for model in CLONED:  # created before the savepoint, so that they outlive its rollback
            cursor.execute(f'DROP TABLE IF EXISTS "{staged(model)}"')  # an earlier load in the same transaction
            table = model._meta.db_table
            cursor.execute(f'CREATE TEMPORARY TABLE "{staged(model)}" ON COMMIT DROP AS TABLE "{table}" WITH NO DATA')
        savepoint = transaction.savepoint()
        expire_sessions(sweep_at)
        rows = {}
        for model in CLONED:
            select = f'SELECT * FROM "{model._meta.db_table}" WHERE "{model._meta.pk.column}" = ANY(%s)'
            with cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT binary)", [template.ids[model]]) as copy:
                rows[model] = b"".join(bytes(block) for block in copy)
        transaction.savepoint_rollback(savepoint)
        for model, data in rows.items():
            with cursor.copy(f'COPY "{staged(model)}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(data)
    return math.ceil((sweep_at - now).total_seconds())
